package domain

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"
	"time"
)

// ID identifies a document. It has the layout of a MongoDB ObjectID (4 bytes of
// seconds, 5 random, 3 counter) so store can use it as _id directly, and it is
// written as 24 hex digits at the edges.
type ID [12]byte

// NilID is the zero ID; it never identifies a document.
var NilID ID

var (
	idCounter = func() *atomic.Uint32 {
		var c atomic.Uint32
		var b [4]byte
		_, _ = rand.Read(b[:])
		c.Store(binary.BigEndian.Uint32(b[:]))
		return &c
	}()
	idProcess = func() (p [5]byte) {
		_, _ = rand.Read(p[:])
		return p
	}()
)

// NewID returns a fresh ID for the given time.
func NewID(t time.Time) ID {
	var id ID
	binary.BigEndian.PutUint32(id[0:4], uint32(t.Unix()))
	copy(id[4:9], idProcess[:])
	c := idCounter.Add(1)
	id[9], id[10], id[11] = byte(c>>16), byte(c>>8), byte(c)
	return id
}

// Time returns the second the ID was made for (NewID's t).
func (id ID) Time() time.Time { return time.Unix(int64(binary.BigEndian.Uint32(id[0:4])), 0).UTC() }

// Hex returns the 24-digit lower-case hex form.
func (id ID) Hex() string { return hex.EncodeToString(id[:]) }

func (id ID) String() string { return id.Hex() }

// IsZero reports whether id is NilID.
func (id ID) IsZero() bool { return id == NilID }

// ParseID parses 24 hex digits. Anything else is ErrNotFound: an ID from a URL that
// cannot exist is simply not found.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 24 {
		return id, ErrNotFound
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return NilID, ErrNotFound
	}
	return id, nil
}

// MarshalText writes the hex form, so IDs are strings in JSON.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.Hex()), nil }

// UnmarshalText reads the hex form.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
