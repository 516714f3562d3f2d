package service

import (
	"context"

	"lotse/domain"
	"lotse/store"
)

// audit appends a record of a change that already happened. A failure is logged
// loudly rather than returned, because the change itself already stands.
func (s *Service) audit(ctx context.Context, sc domain.Scope, action, entity string, id domain.ID, fields []string) {
	e := &store.AuditEntry{Tenant: sc.Tenant, Actor: sc.User, Action: action, Entity: entity, ID: id, Fields: fields}
	if err := s.Store.AppendAudit(ctx, e); err != nil {
		s.Log.Error("audit append failed", "tenant", sc.Tenant.Hex(), "action", action, "entity_id", id.Hex(), "err", err)
	}
}

// VerifyAudit checks every tenant's audit chain and returns the entry count per
// tenant slug, or the first damage found.
func (s *Service) VerifyAudit(ctx context.Context) (map[string]int, error) {
	ts, err := s.Store.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range ts {
		n, err := s.Store.VerifyAudit(ctx, t.ID)
		out[t.Slug] = n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
