package service

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"lotse/domain"
	"lotse/ics"
	lmail "lotse/mail"
)

// An appointment reminder goes out AppointmentRemindBefore its start, with a
// calendar invitation of AppointmentLength (requests state a start only).
const (
	AppointmentRemindBefore = 24 * time.Hour
	AppointmentLength       = 2 * time.Hour
)

// RemindAppointments is the hourly job for accepted assignments with a date:
// AppointmentRemindBefore the start, the volunteer gets a reminder with an
// .ics invitation (stable UID per match). When the coordinator moves the
// appointment after that, the volunteer gets the new time at once, with the
// invitation's SEQUENCE one higher, so calendars update the event instead of
// adding one. The key names the match and the start, so every start is
// mailed once whatever runs twice. It returns the number of mails queued.
func (s *Service) RemindAppointments(ctx context.Context, now time.Time) (int, error) {
	return s.eachMatch(ctx, domain.MatchAccepted, func(t *domain.Tenant, m *domain.Match) (bool, error) {
		return s.remindAppointment(ctx, t, m, now)
	})
}

func (s *Service) remindAppointment(ctx context.Context, t *domain.Tenant, m *domain.Match, now time.Time) (bool, error) {
	r, err := s.Store.Request(ctx, domain.System(t.ID), m.Request)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	start, allDay, ok := appointmentStart(r)
	if !ok || !start.After(now) {
		return false, nil
	}
	startKey := start.UTC().Format(time.RFC3339)
	if allDay {
		startKey = r.Date
	}
	moved := m.ReminderFor != "" && m.ReminderFor != startKey
	if !moved && start.Sub(now) > AppointmentRemindBefore {
		return false, nil
	}
	seq := m.ReminderSeq
	if moved {
		seq++
	}
	if m.ReminderFor != startKey {
		err := s.Store.MarkReminder(ctx, m, m.ReminderFor, startKey, seq)
		if errors.Is(err, domain.ErrConflict) {
			return false, nil // another run got here first
		}
		if err != nil {
			return false, err
		}
	}
	v, err := s.Store.VolunteerForLink(ctx, m.Volunteer)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	muni := r.Municipality
	if mu, ok := t.Municipality(r.Municipality); ok {
		muni = mu.Name
	}
	data := appointmentData(v.Name, r, muni, s.BaseURL+"/me/login")
	name := "appointment_reminder"
	if moved {
		name = "appointment_changed"
	}
	subject := s.T.T(v.Locale, "mail."+name+".subject")
	ev := ics.Event{UID: m.ID + "@" + s.calendarHost(), Sequence: seq, Stamp: now, Start: start, End: start.Add(AppointmentLength),
		AllDay: allDay, Summary: subject + ": " + r.Title, Location: r.PLZ + " " + muni,
		Description: s.T.T(v.Locale, "skill."+r.Category) + " – " + r.Title,
		Organizer:   s.organizer(), OrgName: t.Name, Attendee: v.Email, AttName: v.Name}
	invite := lmail.Attachment{Name: "termin.ics", ContentType: "text/calendar; method=REQUEST; charset=UTF-8",
		Data: ics.Request(ev, berlin())}
	return s.queueMailOnceWith(ctx, t.ID, "appointment:"+m.ID+":"+startKey, v.Email, v.Locale, name, data, []lmail.Attachment{invite})
}

// appointmentStart is a request's date and time in Berlin; a date without a
// time is an all-day appointment starting at midnight.
func appointmentStart(r *domain.HelpRequest) (time.Time, bool, bool) {
	if r.Date == "" || r.Status == domain.RequestDone || r.Status == domain.RequestCancelled {
		return time.Time{}, false, false
	}
	if r.Time == "" {
		d, err := time.ParseInLocation(time.DateOnly, r.Date, berlin())
		return d, true, err == nil
	}
	d, err := time.ParseInLocation(time.DateOnly+" 15:04", r.Date+" "+r.Time, berlin())
	return d, false, err == nil
}

// appointmentData is what the reminder shows.
func appointmentData(name string, r *domain.HelpRequest, municipality, portal string) map[string]any {
	return map[string]any{"Name": name, "Title": r.Title, "Category": r.Category, "Municipality": municipality,
		"Date": r.Date, "Time": r.Time, "Portal": portal}
}

// organizer is the address invitations come from: the mail sender's.
func (s *Service) organizer() string {
	if a, err := mail.ParseAddress(s.MailFrom); err == nil {
		return a.Address
	}
	return "lotse@" + s.calendarHost()
}

// calendarHost names this installation in invitation UIDs.
func (s *Service) calendarHost() string {
	if u, err := url.Parse(s.BaseURL); err == nil && u.Hostname() != "" {
		return strings.ToLower(u.Hostname())
	}
	return "lotse.invalid"
}
