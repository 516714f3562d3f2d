package service

import (
	"context"

	"lotse/domain"
	"lotse/mail"
)

// QueueTestMail queues the already_registered mail for name under key, with
// attachments, through queueMailOnceWith: the outside tests' way into the
// outbox as the use cases enter it.
func (s *Service) QueueTestMail(ctx context.Context, tenant *domain.Tenant, key, to, lang, name string, attachments []mail.Attachment) error {
	_, err := s.queueMailOnceWith(ctx, tenant.ID, key, to, lang, "already_registered",
		alreadyRegisteredData(&domain.Volunteer{Name: name}, tenant), attachments)
	return err
}

// MailBackoffFor exposes the back-off after the given number of attempts.
func (s *Service) MailBackoffFor(attempts int) int64 { return int64(s.mailBackoff(attempts)) }

// SetPayoutPause makes CreatePayout call pause after it marked its claims
// paid and before it writes the files: a very slow run, for the recovery
// tests.
func (s *Service) SetPayoutPause(pause func()) { s.payoutPause = pause }
