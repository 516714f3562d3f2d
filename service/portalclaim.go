package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"lotse/accounting"
	"lotse/domain"
)

// The volunteer's side of refunds in the portal: their bank details, the
// assignments they may claim travel costs for, and their claims.

// MaxBankHolderLen bounds the account holder's name: the 70 characters a
// SEPA credit transfer carries for the creditor's name.
const MaxBankHolderLen = 70

// ibanFieldKeys maps accounting's IBAN errors to the form's messages.
var ibanFieldKeys = []struct {
	err error
	key string
}{
	{accounting.ErrIBANChars, "field.bank_iban.chars"},
	{accounting.ErrIBANCountry, "field.bank_iban.country"},
	{accounting.ErrIBANLength, "field.bank_iban.length"},
	{accounting.ErrIBANChecksum, "field.bank_iban.checksum"},
}

// SetBankDetails stores volunteer v's bank details for refunds: the IBAN
// (a SEPA country's, checked, stored without spaces) and the account holder
// exactly as at the bank (at most MaxBankHolderLen characters, with letters
// a bank can read). It returns EInvalid with field errors "iban" and
// "holder" and then writes nothing. The audit log records the field names;
// the IBAN is neither logged nor audited.
func (s *Service) SetBankDetails(ctx context.Context, v *domain.Volunteer, iban, holder string) error {
	fe := domain.FieldErrors{}
	clean := ""
	if strings.TrimSpace(iban) == "" {
		fe.Add("iban", "field.required")
	} else if n, err := accounting.ValidateIBAN(iban); err != nil {
		key := "field.bank_iban.chars"
		for _, k := range ibanFieldKeys {
			if errors.Is(err, k.err) {
				key = k.key
			}
		}
		fe.Add("iban", key)
	} else {
		clean = n
	}
	holder = domain.CleanText(holder)
	switch n := utf8.RuneCountInString(holder); {
	case n == 0:
		fe.Add("holder", "field.required")
	case n > MaxBankHolderLen:
		fe.Add("holder", "field.too_long")
	case !strings.ContainsFunc(accounting.SEPAText(holder, MaxBankHolderLen), unicode.IsLetter):
		// A name in a script SEPA cannot carry becomes dots in the payment
		// file; the bank needs it in Latin letters.
		fe.Add("holder", "field.bank_holder.latin")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if err := s.Store.SetBankDetails(ctx, v.Tenant, v.ID, clean, holder); err != nil {
		return err
	}
	sc := domain.System(v.Tenant)
	sc.User = v.ID
	s.audit(ctx, sc, "volunteer.bank", "volunteer", v.ID, []string{"bank_iban", "bank_holder"})
	s.Log.Info("bank details set", "tenant", v.Tenant.Hex(), "volunteer", v.ID.Hex())
	return nil
}

// ClaimableAssignment returns volunteer v's assignment on request for the
// claim form: an accepted or completed match, with what the portal shows of
// the request. It returns ErrNotFound when v has no match there (or the
// request is gone) and a conflict ("claim.no_assignment") for a match that
// is no assignment.
func (s *Service) ClaimableAssignment(ctx context.Context, v *domain.Volunteer, request domain.ID) (*PortalItem, error) {
	m, err := s.ownMatch(ctx, v, request)
	if err != nil {
		return nil, err
	}
	if m.Status != domain.MatchAccepted && m.Status != domain.MatchCompleted {
		return nil, domain.Conflict("claim.no_assignment")
	}
	r, err := s.Store.Request(ctx, domain.System(v.Tenant), m.Request)
	if err != nil {
		return nil, err
	}
	it := &PortalItem{Match: m, Request: r, Municipality: r.Municipality}
	if t, err := s.cachedTenant(ctx, v.Tenant); err == nil {
		if mu, ok := t.Municipality(r.Municipality); ok {
			it.Municipality = mu.Name
		}
	}
	return it, nil
}

// PortalClaim is one of the volunteer's claims as the portal lists it.
type PortalClaim struct {
	Claim *domain.Claim
	Title string // the assignment's request title; "" when the request is gone
}

// ClaimsOf returns volunteer v's own claims, reversal entries included,
// newest first, each with its assignment's title. Nobody else's claim is
// ever among them, whatever the tenant holds.
func (s *Service) ClaimsOf(ctx context.Context, v *domain.Volunteer) ([]PortalClaim, error) {
	all, err := s.Store.Claims(ctx, v.Tenant)
	if err != nil {
		return nil, err
	}
	var out []PortalClaim
	titles := map[domain.ID]string{}
	for _, c := range all {
		if c.Volunteer != v.ID || c.Tenant != v.Tenant {
			continue
		}
		title, ok := titles[c.Request]
		if !ok {
			r, err := s.Store.Request(ctx, domain.System(v.Tenant), c.Request)
			switch {
			case err == nil:
				title = r.Title
			case !errors.Is(err, domain.ErrNotFound):
				return nil, err
			}
			titles[c.Request] = title
		}
		out = append(out, PortalClaim{Claim: c, Title: title})
	}
	slices.SortStableFunc(out, func(a, b PortalClaim) int {
		if c := b.Claim.SubmittedAt.Compare(a.Claim.SubmittedAt); c != 0 {
			return c
		}
		return strings.Compare(b.Claim.ID.Hex(), a.Claim.ID.Hex())
	})
	return out, nil
}

// Statement returns volunteer v's statement of year as PDF: the claims paid
// to them that were submitted in that year, with the total, for their
// records and tax return. A year without paid claims gives an empty
// statement, not an error.
func (s *Service) Statement(ctx context.Context, v *domain.Volunteer, year int) ([]byte, error) {
	cs, err := s.ClaimsOf(ctx, v)
	if err != nil {
		return nil, err
	}
	t, err := s.cachedTenant(ctx, v.Tenant)
	if err != nil {
		return nil, err
	}
	st := accounting.Statement{Tenant: t.Name, Volunteer: v.Name, Period: fmt.Sprintf("Jahr %d", year),
		IBAN: accounting.MaskIBAN(v.BankIBAN)}
	for i := len(cs) - 1; i >= 0; i-- { // oldest first
		c := cs[i].Claim
		if c.Status != domain.ClaimPaid || c.SubmittedAt.In(berlin()).Year() != year {
			continue
		}
		text := cs[i].Title
		if c.Kind == domain.ClaimAllowance {
			text = s.T.T(v.Locale, "allowance.basis.3_"+strings.TrimPrefix(c.AllowanceBasis, "3_"))
		}
		if !c.ReversalOf.IsZero() {
			text = "Storno: " + text
		}
		st.Lines = append(st.Lines, accounting.StatementLine{Date: c.SubmittedAt.In(berlin()).Format("02.01.2006"),
			Text: text, Amount: accounting.Money(c.AmountCents)})
	}
	var b bytes.Buffer
	if err := accounting.WriteStatement(&b, st); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
