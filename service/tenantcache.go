package service

import (
	"context"
	"sync"
	"time"

	"lotse/domain"
)

// tenantTTL is how long a tenant read stays in memory. Every mail's footer
// names its tenant; reading it per mail cost half the queueing rate on the
// embedded backend, and a renamed tenant showing a minute late harms nobody.
const tenantTTL = time.Minute

type tenantCache struct {
	mu sync.Mutex
	m  map[domain.ID]cachedTenant
}

type cachedTenant struct {
	t  *domain.Tenant
	at time.Time
}

// cachedTenant returns the tenant, read at most tenantTTL ago.
func (s *Service) cachedTenant(ctx context.Context, id domain.ID) (*domain.Tenant, error) {
	c := &s.tenants
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && time.Since(e.at) < tenantTTL {
		return e.t, nil
	}
	t, err := s.Store.Tenant(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[domain.ID]cachedTenant{}
	}
	c.m[id] = cachedTenant{t: t, at: time.Now()}
	c.mu.Unlock()
	return t, nil
}
