package service_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"

	"lotse/domain"
	"lotse/service"
	"lotse/store"
)

// invite returns the calendar invitation attached to the queued mail key.
func invite(t *testing.T, svc *service.Service, tn *domain.Tenant, key string) (*store.OutboxMessage, *ical.VEvent) {
	t.Helper()
	msgs, err := svc.Store.Outbox(context.Background(), tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Key != key {
			continue
		}
		if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "text/calendar; method=REQUEST; charset=UTF-8" {
			t.Fatalf("%s: attachments %+v", key, m.Attachments)
		}
		cal, err := ical.ParseCalendar(bytes.NewReader(m.Attachments[0].Data))
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("%s: calendar %v", key, err)
		}
		return m, cal.Events()[0]
	}
	t.Fatalf("no mail %s", key)
	return nil, nil
}

// TestRemindAppointments: an accepted assignment with a date gets one
// reminder with an invitation 24 hours before; a new time sends the update at
// once, same UID, SEQUENCE one higher; past appointments get nothing.
func TestRemindAppointments(t *testing.T) {
	ctx := context.Background()
	svc, tn := newTestService(t)
	svc.MailFrom = "Lotse Lörrach <lotse@loerrach.example>"
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	creator := seedCoordinator(t, svc, tn)
	sc := domain.Scope{Tenant: tn.ID, User: creator, Role: domain.RoleAdmin}
	v := seedVolunteer(t, svc, tn, "anna", "08336050", "79539", domain.VolunteerActive, false, []string{"authority_accompaniment"})
	r, err := svc.RegisterRequest(ctx, sc, domain.RequestInput{Category: "authority_accompaniment", Title: "Ausländerbehörde",
		Municipality: "08336050", PLZ: "79539", Needed: 1, Date: "2026-11-25", Time: "10:00"})
	if err != nil {
		t.Fatal(err)
	}
	proposalFor(t, svc, sc, r)
	if _, err := svc.ApproveMatch(ctx, sc, r.ID, v.ID, service.Decision{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RespondToOffer(ctx, offerLink(t, svc, tn, r.ID, v.ID), true, ""); err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, berlin)
	run := func(at time.Time, want int) {
		t.Helper()
		if n, err := svc.RemindAppointments(ctx, at); err != nil || n != want {
			t.Fatalf("at %v: %d, %v; want %d", at, n, err, want)
		}
	}
	run(start.Add(-25*time.Hour), 0)
	run(start.Add(-23*time.Hour), 1)
	run(start.Add(-22*time.Hour), 0)
	id := domain.MatchID(r.ID, v.ID)
	m, ev := invite(t, svc, tn, "appointment:"+id+":"+start.UTC().Format(time.RFC3339))
	if m.To != v.Email || m.Subject != "Erinnerung an Ihren Einsatz" {
		t.Errorf("mail to %s: %q", m.To, m.Subject)
	}
	uid := ev.GetProperty(ical.ComponentPropertyUniqueId).Value
	if got, _ := ev.GetStartAt(); !got.Equal(start) || uid != id+"@lotse.test" ||
		ev.GetProperty(ical.ComponentPropertySequence).Value != "0" ||
		ev.GetProperty(ical.ComponentPropertyOrganizer).Value != "mailto:lotse@loerrach.example" {
		t.Errorf("invitation: start %v, uid %s, seq %s", got, uid, ev.GetProperty(ical.ComponentPropertySequence).Value)
	}

	// The coordinator moves it to 14:00 the next day: the update goes out at
	// once, though the new time is more than 24 hours away.
	later := "14:00"
	day := "2026-11-26"
	if _, err := svc.UpdateRequest(ctx, sc, r.ID, service.RequestPatchInput{Date: &day, Time: &later}); err != nil {
		t.Fatal(err)
	}
	moved := time.Date(2026, 11, 26, 14, 0, 0, 0, berlin)
	run(start.Add(-21*time.Hour), 1)
	run(start.Add(-20*time.Hour), 0)
	m, ev = invite(t, svc, tn, "appointment:"+id+":"+moved.UTC().Format(time.RFC3339))
	if m.Subject != "Ihr Einsatz hat einen neuen Termin" || ev.GetProperty(ical.ComponentPropertyUniqueId).Value != uid ||
		ev.GetProperty(ical.ComponentPropertySequence).Value != "1" {
		t.Errorf("update: %q, uid %s, seq %s", m.Subject, ev.GetProperty(ical.ComponentPropertyUniqueId).Value,
			ev.GetProperty(ical.ComponentPropertySequence).Value)
	}
	if got, _ := ev.GetStartAt(); !got.Equal(moved) {
		t.Errorf("updated start %v, want %v", got, moved)
	}
	run(moved.Add(time.Hour), 0) // past
}
