package service

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"

	"lotse/domain"
)

// Link purposes; each signs a different message, so a link for one purpose is
// worthless for another.
const (
	PurposeConfirm = "confirm"
)

// ConfirmTTL is how long a sign-up confirmation link stays valid.
const ConfirmTTL = 72 * time.Hour

// signLink returns the signature of (purpose, id, exp).
func (s *Service) signLink(purpose string, id domain.ID, exp time.Time) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("link\x00" + purpose + "\x00" + id.Hex() + "\x00" + strconv.FormatInt(exp.Unix(), 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// linkURL builds an absolute signed link to path for id, valid until exp.
func (s *Service) linkURL(path, purpose string, id domain.ID, exp time.Time) string {
	q := url.Values{}
	q.Set("id", id.Hex())
	q.Set("exp", strconv.FormatInt(exp.Unix(), 10))
	q.Set("sig", s.signLink(purpose, id, exp))
	return s.BaseURL + path + "?" + q.Encode()
}

// SignedLink is what a link carries back: the raw query values.
type SignedLink struct {
	ID  string
	Exp string
	Sig string
}

// Link errors: message keys for the page that explains what happened.
var (
	ErrLinkInvalid = &domain.Error{Code: domain.ENotFound, Key: "link.invalid"}
	ErrLinkExpired = &domain.Error{Code: domain.EConflict, Key: "link.expired"}
	ErrLinkUsed    = &domain.Error{Code: domain.EConflict, Key: "link.used"}
)

// verifyLink checks the signature first (constant time), then the expiry.
func (s *Service) verifyLink(purpose string, l SignedLink) (domain.ID, error) {
	id, err := domain.ParseID(l.ID)
	if err != nil {
		return domain.NilID, ErrLinkInvalid
	}
	sec, err := strconv.ParseInt(l.Exp, 10, 64)
	if err != nil {
		return domain.NilID, ErrLinkInvalid
	}
	exp := time.Unix(sec, 0)
	want := s.signLink(purpose, id, exp)
	if !hmac.Equal([]byte(want), []byte(l.Sig)) {
		return domain.NilID, ErrLinkInvalid
	}
	if s.Now().After(exp) {
		return domain.NilID, ErrLinkExpired
	}
	return id, nil
}
