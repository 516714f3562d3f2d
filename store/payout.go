package store

import (
	"context"
	"errors"
	"hash/maphash"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"lotse/domain"
)

// payoutSettingsDoc is the tenant document's "payout" subdocument.
type payoutSettingsDoc struct {
	DebtorName       string            `bson:"debtor_name"`
	IBAN             string            `bson:"iban"`
	BIC              string            `bson:"bic,omitempty"`
	Consultant       int               `bson:"consultant"`
	Client           int               `bson:"client"`
	AccountLength    int               `bson:"account_length"`
	TravelAccount    string            `bson:"travel_account"`
	AllowanceAccount string            `bson:"allowance_account"`
	ContraAccount    string            `bson:"contra_account"`
	CostCentres      map[string]string `bson:"cost_centres,omitempty"`
}

func (d *payoutSettingsDoc) domain() *domain.PayoutSettings {
	if d == nil {
		return nil
	}
	return &domain.PayoutSettings{DebtorName: d.DebtorName, IBAN: d.IBAN, BIC: d.BIC, Consultant: d.Consultant,
		Client: d.Client, AccountLength: d.AccountLength, TravelAccount: d.TravelAccount,
		AllowanceAccount: d.AllowanceAccount, ContraAccount: d.ContraAccount, CostCentres: d.CostCentres}
}

// SetPayoutSettings stores the tenant's payout settings; the rate-table
// preset goes to the tenant's rate_table, where claims read it.
func (s *Store) SetPayoutSettings(ctx context.Context, tenant domain.ID, p *domain.PayoutSettings) error {
	d := payoutSettingsDoc{DebtorName: p.DebtorName, IBAN: p.IBAN, BIC: p.BIC, Consultant: p.Consultant,
		Client: p.Client, AccountLength: p.AccountLength, TravelAccount: p.TravelAccount,
		AllowanceAccount: p.AllowanceAccount, ContraAccount: p.ContraAccount, CostCentres: p.CostCentres}
	// The tenant document has no tenant_id, so no updateGuarded; the lock
	// keeps FerretDB's read-modify-write from racing another tenant update.
	defer s.locks.lock(s.tenants.Name() + "\x00" + oid(tenant).Hex())()
	res, err := s.tenants.UpdateOne(ctx, bson.D{{Key: "_id", Value: oid(tenant)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "payout", Value: d}, {Key: "rate_table", Value: p.RateTable}}}})
	if err != nil {
		return wrap(err, "set payout settings")
	}
	if res.MatchedCount == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// Payee is what a payout needs of a volunteer: the bank details.
type Payee struct {
	Name, IBAN, Holder string
	PLZ                string // for the creditor's structured address (post code and town)
}

// Payees returns the bank details of the tenant's volunteers among ids:
// one read of the tenant's volunteers, filtered here.
func (s *Store) Payees(ctx context.Context, tenant domain.ID, ids []domain.ID) (map[domain.ID]Payee, error) {
	want := make(map[bson.ObjectID]bool, len(ids))
	for _, id := range ids {
		want[oid(id)] = true
	}
	cur, err := s.volunteers.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}, {Key: "bank_iban", Value: 1}, {Key: "bank_holder", Value: 1}, {Key: "plz", Value: 1}}))
	if err != nil {
		return nil, wrap(err, "read payees")
	}
	var docs []struct {
		ID     bson.ObjectID `bson:"_id"`
		Name   string        `bson:"name"`
		IBAN   string        `bson:"bank_iban"`
		Holder string        `bson:"bank_holder"`
		PLZ    string        `bson:"plz"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read payees")
	}
	out := make(map[domain.ID]Payee, len(ids))
	for _, d := range docs {
		if want[d.ID] {
			out[did(d.ID)] = Payee{Name: d.Name, IBAN: d.IBAN, Holder: d.Holder, PLZ: d.PLZ}
		}
	}
	return out, nil
}

// NextPayoutSeq returns the tenant's next payout sequence number, from 1: a
// counter document raised by a guarded update, retried when another batch
// took the number first. Every number is handed out once.
func (s *Store) NextPayoutSeq(ctx context.Context, tenant domain.ID) (int, error) {
	id := "payout:" + tenant.Hex()
	_, err := s.counters.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "tenant_id", Value: oid(tenant)}, {Key: "seq", Value: 0}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return 0, wrap(err, "create payout counter")
	}
	for range 1000 {
		var d struct {
			Seq int `bson:"seq"`
		}
		if err := s.counters.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
			return 0, wrap(err, "read payout counter")
		}
		err := s.updateGuarded(ctx, s.counters, id, tenant, []Guard{{"seq", d.Seq}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: d.Seq + 1}}}})
		if err == nil {
			return d.Seq + 1, nil
		}
		if !errors.Is(err, domain.ErrConflict) {
			return 0, err
		}
	}
	return 0, domain.ErrConflict
}

type payoutTransferDoc struct {
	Volunteer   bson.ObjectID   `bson:"volunteer"`
	EndToEndID  string          `bson:"end_to_end_id"`
	AmountCents int64           `bson:"amount_cents"`
	Claims      []bson.ObjectID `bson:"claims"`
}

type payoutSkipDoc struct {
	Volunteer   bson.ObjectID   `bson:"volunteer"`
	Reason      string          `bson:"reason"`
	AmountCents int64           `bson:"amount_cents"`
	Claims      []bson.ObjectID `bson:"claims"`
}

type payoutFileDoc struct {
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Filename    string `bson:"filename"`
	SHA256      string `bson:"sha256"`
	Size        int    `bson:"size"`
}

type payoutDownloadDoc struct {
	File string        `bson:"file"`
	By   bson.ObjectID `bson:"by"`
	At   time.Time     `bson:"at"`
}

type payoutDoc struct {
	ID            bson.ObjectID       `bson:"_id"`
	TenantID      bson.ObjectID       `bson:"tenant_id"`
	Seq           int                 `bson:"seq"`
	Status        string              `bson:"status"`
	ExecutionDate time.Time           `bson:"execution_date"`
	CreatedBy     bson.ObjectID       `bson:"created_by"`
	CreatedAt     time.Time           `bson:"created_at"`
	ClaimCount    int                 `bson:"claim_count"`
	Claims        []bson.ObjectID     `bson:"claims"`
	TotalCents    int64               `bson:"total_cents"`
	Transfers     []payoutTransferDoc `bson:"transfers"`
	Skipped       []payoutSkipDoc     `bson:"skipped"`
	Files         []payoutFileDoc     `bson:"files"`
	Downloads     []payoutDownloadDoc `bson:"downloads"`
	VoidReason    string              `bson:"void_reason,omitempty"`
	RecoveredAt   *time.Time          `bson:"recovered_at,omitempty"`
}

// payoutContentDoc holds one file of a batch, apart from the batch so a list
// of batches reads no file and each file has its own 16 MB.
type payoutContentDoc struct {
	ID       string        `bson:"_id"` // payout hex + ":" + name
	TenantID bson.ObjectID `bson:"tenant_id"`
	Payout   bson.ObjectID `bson:"payout"`
	Name     string        `bson:"name"`
	Body     []byte        `bson:"body"`
}

func oids(ids []domain.ID) []bson.ObjectID {
	out := make([]bson.ObjectID, len(ids))
	for i, id := range ids {
		out[i] = oid(id)
	}
	return out
}

func dids(ids []bson.ObjectID) []domain.ID {
	out := make([]domain.ID, len(ids))
	for i, id := range ids {
		out[i] = did(id)
	}
	return out
}

func payoutToDoc(p *domain.Payout) payoutDoc {
	d := payoutDoc{ID: oid(p.ID), TenantID: oid(p.Tenant), Seq: p.Seq, Status: string(p.Status),
		ExecutionDate: p.ExecutionDate, CreatedBy: oid(p.CreatedBy), CreatedAt: p.CreatedAt,
		ClaimCount: len(p.Claims), Claims: oids(p.Claims), TotalCents: p.TotalCents,
		Transfers: []payoutTransferDoc{}, Skipped: []payoutSkipDoc{}, Files: []payoutFileDoc{}, Downloads: []payoutDownloadDoc{}}
	for _, t := range p.Transfers {
		d.Transfers = append(d.Transfers, payoutTransferDoc{Volunteer: oid(t.Volunteer), EndToEndID: t.EndToEndID,
			AmountCents: t.AmountCents, Claims: oids(t.Claims)})
	}
	for _, k := range p.Skipped {
		d.Skipped = append(d.Skipped, payoutSkipDoc{Volunteer: oid(k.Volunteer), Reason: k.Reason,
			AmountCents: k.AmountCents, Claims: oids(k.Claims)})
	}
	for _, f := range p.Files {
		d.Files = append(d.Files, payoutFileDoc(f))
	}
	for _, x := range p.Downloads {
		d.Downloads = append(d.Downloads, payoutDownloadDoc{File: x.File, By: oid(x.By), At: x.At})
	}
	d.VoidReason = p.VoidReason
	if !p.RecoveredAt.IsZero() {
		at := p.RecoveredAt
		d.RecoveredAt = &at
	}
	return d
}

func (d *payoutDoc) domain() *domain.Payout {
	p := &domain.Payout{ID: did(d.ID), Tenant: did(d.TenantID), Seq: d.Seq, Status: domain.PayoutStatus(d.Status),
		ExecutionDate: d.ExecutionDate.UTC(), CreatedBy: did(d.CreatedBy), CreatedAt: d.CreatedAt.UTC(),
		Claims: dids(d.Claims), TotalCents: d.TotalCents}
	if len(p.Claims) == 0 && d.ClaimCount > 0 {
		p.Claims = make([]domain.ID, d.ClaimCount) // a list read: the count without the IDs
	}
	for _, t := range d.Transfers {
		p.Transfers = append(p.Transfers, domain.PayoutTransfer{Volunteer: did(t.Volunteer), EndToEndID: t.EndToEndID,
			AmountCents: t.AmountCents, Claims: dids(t.Claims)})
	}
	for _, k := range d.Skipped {
		p.Skipped = append(p.Skipped, domain.PayoutSkip{Volunteer: did(k.Volunteer), Reason: k.Reason,
			AmountCents: k.AmountCents, Claims: dids(k.Claims)})
	}
	for _, f := range d.Files {
		p.Files = append(p.Files, domain.PayoutFile(f))
	}
	for _, x := range d.Downloads {
		p.Downloads = append(p.Downloads, domain.PayoutDownload{File: x.File, By: did(x.By), At: x.At.UTC()})
	}
	p.VoidReason = d.VoidReason
	if d.RecoveredAt != nil {
		p.RecoveredAt = d.RecoveredAt.UTC()
	}
	return p
}

// CreatePayout stores a new batch (normally "preparing"); p.ID is set when
// zero. A sequence number taken twice is ErrConflict.
func (s *Store) CreatePayout(ctx context.Context, p *domain.Payout) error {
	if p.ID.IsZero() {
		p.ID = domain.NewID(s.now())
	}
	_, err := s.payouts.InsertOne(ctx, payoutToDoc(p))
	return wrap(err, "create payout")
}

// FinishPayout stores the batch's files and then its final state, guarded
// on the batch still preparing. When the guard fails (the recovery voided the
// batch meanwhile, see VoidInterruptedPayout) it removes the files it stored
// and returns ErrConflict: the batch stays as the recovery left it.
func (s *Store) FinishPayout(ctx context.Context, p *domain.Payout, files map[string][]byte) error {
	var fileIDs []string
	if len(files) > 0 {
		docs := make([]any, 0, len(files))
		for _, name := range slices.Sorted(maps.Keys(files)) {
			docs = append(docs, payoutContentDoc{ID: p.ID.Hex() + ":" + name, TenantID: oid(p.Tenant), Payout: oid(p.ID),
				Name: name, Body: files[name]})
			fileIDs = append(fileIDs, p.ID.Hex()+":"+name)
		}
		if _, err := s.payoutFiles.InsertMany(ctx, docs); err != nil {
			return wrap(err, "store payout files")
		}
	}
	d := payoutToDoc(p)
	err := s.updateGuarded(ctx, s.payouts, oid(p.ID), p.Tenant, []Guard{{"status", string(domain.PayoutPreparing)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: d.Status}, {Key: "claim_count", Value: d.ClaimCount},
			{Key: "claims", Value: d.Claims}, {Key: "total_cents", Value: d.TotalCents}, {Key: "transfers", Value: d.Transfers},
			{Key: "skipped", Value: d.Skipped}, {Key: "files", Value: d.Files}}}})
	if errors.Is(err, domain.ErrConflict) && len(fileIDs) > 0 {
		// The batch lists no file, so nobody could download these; removing
		// them keeps the store free of files of a void batch. The ids are
		// _id values, so this is one lookup each, not a scan.
		for _, id := range fileIDs {
			if _, derr := s.payoutFiles.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); derr != nil {
				return errors.Join(err, wrap(derr, "remove payout files"))
			}
		}
	}
	return err
}

// VoidInterruptedPayout voids a batch whose making was interrupted: guarded
// on the batch still preparing, it becomes void with VoidInterrupted, at as
// its RecoveredAt, and no claims, transfers, skips or files. It returns
// ErrConflict when the batch is no longer preparing (it was finished, or
// another recovery was first), so a ready batch is never touched. The
// sequence number stays used. The claims still marked with the batch are
// released apart, by ReleaseBatchClaims.
func (s *Store) VoidInterruptedPayout(ctx context.Context, tenant, id domain.ID, at time.Time) error {
	return s.updateGuarded(ctx, s.payouts, oid(id), tenant, []Guard{{"status", string(domain.PayoutPreparing)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.PayoutVoid)},
			{Key: "void_reason", Value: domain.VoidInterrupted}, {Key: "recovered_at", Value: at},
			{Key: "claim_count", Value: 0}, {Key: "claims", Value: bson.A{}}, {Key: "total_cents", Value: 0},
			{Key: "transfers", Value: bson.A{}}, {Key: "skipped", Value: bson.A{}}, {Key: "files", Value: bson.A{}}}}})
}

// ReleaseBatchClaims gives back every claim of the tenant still marked paid
// by batch: released and in no batch again, each guarded on being paid by
// that very batch, so a claim another batch holds is never touched. It
// returns how many it released; a second call releases nothing.
//
// It reads the batch's claims once (batchClaims, one scan) and then, like
// PayClaims, holds their per-document locks on the embedded backend while it
// updates, so no guarded update of those claims runs in between. A large
// batch takes every lock and updates by the guards in one scan.
func (s *Store) ReleaseBatchClaims(ctx context.Context, tenant, batch domain.ID) (int, error) {
	ids, err := s.batchClaims(ctx, tenant, batch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	guarded := bson.D{{Key: "tenant_id", Value: oid(tenant)}, {Key: "status", Value: string(domain.ClaimPaid)}, {Key: "batch", Value: oid(batch)}}
	if s.embedded {
		if len(ids) > payChunk {
			defer s.locks.lockAll()()
			res, err := s.claims.UpdateMany(ctx, guarded, unpayUpdate)
			if err != nil {
				return 0, wrap(err, "release batch claims")
			}
			return int(res.ModifiedCount), nil
		}
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.claims.Name() + "\x00" + id.Hex()
		}
		defer s.locks.lockMany(keys)()
	}
	n := 0
	for chunk := range slices.Chunk(oids(ids), payChunk) {
		filter := append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}}, guarded...)
		res, err := s.claims.UpdateMany(ctx, filter, unpayUpdate)
		if err != nil {
			return n, wrap(err, "release batch claims")
		}
		n += int(res.ModifiedCount)
	}
	return n, nil
}

// Payouts returns the tenant's batches, newest first, without their claim
// lists, transfers and skipped volunteers (Claims holds zero IDs, one per claim).
func (s *Store) Payouts(ctx context.Context, tenant domain.ID) ([]*domain.Payout, error) {
	cur, err := s.payouts.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}},
		options.Find().SetProjection(bson.D{{Key: "claims", Value: 0}, {Key: "transfers", Value: 0}, {Key: "skipped", Value: 0}}))
	if err != nil {
		return nil, wrap(err, "list payouts")
	}
	var docs []payoutDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "list payouts")
	}
	out := make([]*domain.Payout, len(docs))
	for i := range docs {
		out[i] = docs[i].domain()
	}
	slices.SortFunc(out, func(a, b *domain.Payout) int { return b.Seq - a.Seq })
	return out, nil
}

// Payout returns the tenant's batch id, or ErrNotFound.
func (s *Store) Payout(ctx context.Context, tenant, id domain.ID) (*domain.Payout, error) {
	var d payoutDoc
	if err := s.findOwned(ctx, s.payouts, oid(id), tenant, &d); err != nil {
		return nil, err
	}
	return d.domain(), nil
}

// PayoutContent returns the stored bytes of a batch's file, or ErrNotFound.
func (s *Store) PayoutContent(ctx context.Context, tenant, id domain.ID, name string) ([]byte, error) {
	var d payoutContentDoc
	if err := s.findOwned(ctx, s.payoutFiles, id.Hex()+":"+name, tenant, &d); err != nil {
		return nil, err
	}
	return d.Body, nil
}

// RecordPayoutDownload appends a download to the batch's record.
func (s *Store) RecordPayoutDownload(ctx context.Context, tenant, id domain.ID, d domain.PayoutDownload) error {
	return s.updateGuarded(ctx, s.payouts, oid(id), tenant, nil,
		bson.D{{Key: "$push", Value: bson.D{{Key: "downloads", Value: payoutDownloadDoc{File: d.File, By: oid(d.By), At: d.At}}}}})
}

// payChunk bounds the IDs of one $in filter.
const payChunk = 1000

// PayClaims marks the tenant's claims among ids paid by batch, each only if
// it is still released and in no batch, and returns the ones it marked. Two
// batches at once split the claims between them; none lands in both.
//
// On MongoDB each document's guarded update is atomic. On the embedded
// backend (an update is read-modify-write there) it holds the per-document
// locks of all ids while it reads, checks and writes, so no guarded update
// of those claims runs in between.
func (s *Store) PayClaims(ctx context.Context, tenant domain.ID, ids []domain.ID, batch domain.ID) ([]domain.ID, error) {
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.ClaimPaid)}, {Key: "batch", Value: oid(batch)}}}}
	guards := []Guard{{"status", string(domain.ClaimReleased)}, {"batch", ""}}
	if s.embedded {
		keys := make([]string, len(ids))
		for i, id := range ids {
			keys[i] = s.claims.Name() + "\x00" + id.Hex()
		}
		// A large batch takes every lock: its keys would hit nearly every
		// stripe anyway, and with all of them held no guarded update of any
		// claim runs until it is done, which allows the one-scan update below.
		all := len(keys) > payChunk
		if all {
			defer s.locks.lockAll()()
		} else {
			defer s.locks.lockMany(keys)()
		}
		want := make(map[bson.ObjectID]bool, len(ids))
		for _, id := range ids {
			want[oid(id)] = true
		}
		cur, err := s.claims.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}, {Key: "status", Value: string(domain.ClaimReleased)}},
			options.Find().SetProjection(bson.D{{Key: "status", Value: 1}, {Key: "batch", Value: 1}, {Key: "tenant_id", Value: 1}}))
		if err != nil {
			return nil, wrap(err, "pay claims")
		}
		var won, others []bson.ObjectID // others: open claims the batch did not plan
		for cur.Next(ctx) {
			if !guards[0].holds(cur.Current) || !guards[1].holds(cur.Current) {
				continue
			}
			if id, ok := cur.Current.Lookup("_id").ObjectIDOK(); ok && want[id] {
				won = append(won, id)
			} else if ok {
				others = append(others, id)
			}
		}
		if err := errors.Join(cur.Err(), cur.Close(ctx)); err != nil {
			return nil, wrap(err, "pay claims")
		}
		if all && len(others) <= payChunk {
			// The batch takes (nearly) every open claim: one update by the
			// guards, minus the few it leaves, scans the collection once
			// instead of once per chunk of IDs.
			filter := bson.D{{Key: "tenant_id", Value: oid(tenant)}, guards[0].filter(), guards[1].filter()}
			if len(others) > 0 {
				filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: others}}})
			}
			res, err := s.claims.UpdateMany(ctx, filter, set)
			if err != nil {
				return nil, wrap(err, "pay claims")
			}
			if int(res.ModifiedCount) == len(won) {
				return dids(won), nil
			}
			// A released claim was inserted meanwhile (inserts take no
			// lock): give back what the batch did not plan.
			marked, err := s.batchClaims(ctx, tenant, batch)
			if err != nil {
				return nil, err
			}
			var extra []domain.ID
			for _, id := range marked {
				if !want[oid(id)] {
					extra = append(extra, id)
				}
			}
			if len(extra) > 0 {
				_, err = s.claims.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids(extra)}}},
					{Key: "batch", Value: oid(batch)}}, unpayUpdate)
			}
			return dids(won), wrap(err, "pay claims")
		}
		for chunk := range slices.Chunk(won, payChunk) {
			if _, err := s.claims.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}}, set); err != nil {
				return nil, wrap(err, "pay claims")
			}
		}
		return dids(won), nil
	}
	for chunk := range slices.Chunk(oids(ids), payChunk) {
		filter := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: chunk}}}, {Key: "tenant_id", Value: oid(tenant)}}
		for _, g := range guards {
			filter = append(filter, g.filter())
		}
		if _, err := s.claims.UpdateMany(ctx, filter, set); err != nil {
			return nil, wrap(err, "pay claims")
		}
	}
	return s.batchClaims(ctx, tenant, batch)
}

// batchClaims returns the IDs of the tenant's claims marked with batch.
func (s *Store) batchClaims(ctx context.Context, tenant, batch domain.ID) ([]domain.ID, error) {
	cur, err := s.claims.Find(ctx, bson.D{{Key: "tenant_id", Value: oid(tenant)}, {Key: "batch", Value: oid(batch)}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wrap(err, "read batch claims")
	}
	var docs []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wrap(err, "read batch claims")
	}
	out := make([]domain.ID, len(docs))
	for i, d := range docs {
		out[i] = did(d.ID)
	}
	return out, nil
}

// UnpayClaims gives claims of a batch that is still preparing back: paid by
// batch becomes released and in no batch again.
func (s *Store) UnpayClaims(ctx context.Context, tenant domain.ID, ids []domain.ID, batch domain.ID) error {
	for _, id := range ids {
		err := s.updateGuarded(ctx, s.claims, oid(id), tenant,
			[]Guard{{"status", string(domain.ClaimPaid)}, {"batch", oid(batch)}},
			unpayUpdate)
		if err != nil && !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return nil
}

// unpayUpdate puts a paid claim back: released, in no batch.
var unpayUpdate = bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(domain.ClaimReleased)}}},
	{Key: "$unset", Value: bson.D{{Key: "batch", Value: ""}}}}

// lockAll takes every lock, in order, and returns the function that
// releases them.
func (k *keyLocks) lockAll() func() {
	for i := range k.locks {
		k.locks[i].Lock()
	}
	return func() {
		for i := range k.locks {
			k.locks[i].Unlock()
		}
	}
}

// lockMany takes the locks of all keys, in stripe order so two callers
// cannot deadlock, and returns the function that releases them.
func (k *keyLocks) lockMany(keys []string) func() {
	stripes := map[uint64]bool{}
	for _, key := range keys {
		stripes[maphash.String(k.seed, key)%uint64(len(k.locks))] = true
	}
	order := slices.Sorted(maps.Keys(stripes))
	for _, i := range order {
		k.locks[i].Lock()
	}
	return func() {
		for _, i := range order {
			k.locks[i].Unlock()
		}
	}
}

// InsertClaims stores many claims at once (demo data, imports, benchmarks);
// IDs and submission times are set when zero.
func (s *Store) InsertClaims(ctx context.Context, cs []*domain.Claim) error {
	if len(cs) == 0 {
		return nil
	}
	docs := make([]any, len(cs))
	for i, c := range cs {
		if c.ID.IsZero() {
			c.ID = domain.NewID(s.now())
		}
		if c.SubmittedAt.IsZero() {
			c.SubmittedAt = s.now()
		}
		docs[i] = claimToDoc(c)
	}
	_, err := s.claims.InsertMany(ctx, docs)
	return wrap(err, "insert claims")
}
