package service

import (
	"lotse/domain"
	"lotse/geo"
)

// lookupPLZ checks a postal code's format and existence, adding the field error
// to fe, and returns its place. A field that already has an error is left alone.
func (s *Service) lookupPLZ(fe domain.FieldErrors, field, plz string) (geo.Place, bool) {
	if _, bad := fe[field]; bad {
		return geo.Place{}, false
	}
	code, err := geo.NormalizePLZ(plz)
	if err != nil {
		fe.Add(field, "field.plz.format")
		return geo.Place{}, false
	}
	p, ok := s.Geo.Lookup(code)
	if !ok {
		fe.Add(field, "field.plz.unknown")
	}
	return p, ok
}

// home is a municipality with its tenant.
type home struct {
	t *domain.Tenant
	m domain.Municipality
}

// chooseHome picks the one home serving a postal code; when several share it,
// ags must name one of them. It adds the field error and returns false otherwise.
func chooseHome(fe domain.FieldErrors, homes []home, ags string) (home, bool) {
	switch {
	case len(homes) == 0:
		fe.Add("plz", "field.plz.not_served")
	case len(homes) == 1:
		return homes[0], true
	default:
		for _, h := range homes {
			if h.m.AGS == ags {
				return h, true
			}
		}
		fe.Add("municipality", "field.municipality.choose")
	}
	return home{}, false
}
