package domain

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewIDLayout(t *testing.T) {
	at := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	a, b := NewID(at), NewID(at.Add(999*time.Millisecond))
	if got := binary.BigEndian.Uint32(a[0:4]); got != uint32(at.Unix()) {
		t.Errorf("seconds = %d, want %d", got, at.Unix())
	}
	if a == b {
		t.Fatalf("two IDs in one second are equal: %s", a)
	}
	if !bytes.Equal(a[4:9], b[4:9]) {
		t.Errorf("process bytes differ within one process: %x, %x", a[4:9], b[4:9])
	}
	// The counter goes up by one per ID (modulo its three bytes).
	ca := uint32(a[9])<<16 | uint32(a[10])<<8 | uint32(a[11])
	cb := uint32(b[9])<<16 | uint32(b[10])<<8 | uint32(b[11])
	if (cb-ca)&0xffffff != 1 {
		t.Errorf("counter went from %06x to %06x", ca, cb)
	}
	if a.IsZero() || !NilID.IsZero() {
		t.Errorf("IsZero: new %v, nil %v", a.IsZero(), NilID.IsZero())
	}
}

func TestNewIDOrdersByTime(t *testing.T) {
	base := time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC)
	var prev ID
	for i, at := range []time.Time{
		base,
		base.Add(time.Second),
		base.Add(time.Minute),
		base.Add(24 * time.Hour),
		base.AddDate(10, 0, 0),
		time.Date(2106, 1, 1, 0, 0, 0, 0, time.UTC), // last year the 32-bit seconds hold
	} {
		id := NewID(at)
		if i > 0 {
			if bytes.Compare(prev[:], id[:]) >= 0 {
				t.Errorf("NewID(%v) = %s does not sort after %s", at, id, prev)
			}
			// The hex form sorts the same way, so string keys keep the order.
			if prev.Hex() >= id.Hex() {
				t.Errorf("hex %s does not sort after %s", id.Hex(), prev.Hex())
			}
		}
		prev = id
	}
}

func TestParseIDRoundTrip(t *testing.T) {
	id := NewID(time.Now())
	s := id.Hex()
	if len(s) != 24 || s != strings.ToLower(s) || s != id.String() {
		t.Fatalf("Hex() = %q, String() = %q", s, id.String())
	}
	got, err := ParseID(s)
	if err != nil || got != id {
		t.Fatalf("ParseID(%q) = %s, %v; want %s", s, got, err, id)
	}

	zero, err := ParseID("000000000000000000000000")
	if err != nil || !zero.IsZero() {
		t.Errorf("ParseID(zeros) = %s, %v", zero, err)
	}

	// Upper-case hex is read as the same ID (as MongoDB's ObjectIDFromHex does);
	// the canonical form written back is lower case.
	up, err := ParseID(strings.ToUpper(s))
	if err != nil || up != id || up.Hex() != s {
		t.Errorf("ParseID(upper) = %s, %v; want %s", up, err, id)
	}
}

func TestParseIDRejects(t *testing.T) {
	valid := "65e59a1f0123456789abcdef"
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"one short", valid[:23]},
		{"one long", valid + "0"},
		{"12 bytes raw", "abcdefghijkl"},
		{"48 digits", valid + valid},
		{"non-hex letter", valid[:23] + "g"},
		{"non-hex first", "x" + valid[1:]},
		{"space inside", valid[:11] + " " + valid[12:]},
		{"surrounding spaces", " " + valid[1:23] + " "},
		{"0x prefix", "0x" + valid[2:]},
		{"ObjectID() form", `ObjectId("` + valid[:14] + `")`},
		{"multibyte of 24 bytes", strings.Repeat("ä", 12)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseID(tc.in)
			if !errors.Is(err, ErrNotFound) || ErrorCode(err) != ENotFound {
				t.Errorf("ParseID(%q) error = %v, want ErrNotFound", tc.in, err)
			}
			// No half-decoded bytes leak out.
			if !got.IsZero() {
				t.Errorf("ParseID(%q) = %s, want NilID", tc.in, got)
			}
		})
	}
}

func TestIDJSON(t *testing.T) {
	type doc struct {
		ID  ID            `json:"id"`
		Ref map[ID]string `json:"ref"`
	}
	id := NewID(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC))
	b, err := json.Marshal(doc{ID: id, Ref: map[ID]string{id: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"` + id.Hex() + `","ref":{"` + id.Hex() + `":"x"}}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var back doc
	if err := json.Unmarshal(b, &back); err != nil || back.ID != id || back.Ref[id] != "x" {
		t.Errorf("round trip = %+v, %v", back, err)
	}

	// A bad ID is an error and leaves the target untouched.
	kept := id
	if err := kept.UnmarshalText([]byte("nope")); !errors.Is(err, ErrNotFound) || kept != id {
		t.Errorf("UnmarshalText(nope) = %v, id now %s", err, kept)
	}
	if err := json.Unmarshal([]byte(`{"id":"65e59a1f0123456789abcdeg"}`), &back); err == nil {
		t.Error("json.Unmarshal accepted a bad id")
	}
}

// FuzzParseID checks that whatever ParseID accepts is 24 hex digits and comes
// back as their lower-case form.
func FuzzParseID(f *testing.F) {
	f.Add("65e59a1f0123456789abcdef")
	f.Add("65E59A1F0123456789ABCDEF")
	f.Add("65e59a1f0123456789abcdeg")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !id.IsZero() {
				t.Fatalf("ParseID(%q) failed but returned %s", s, id)
			}
			return
		}
		if id.Hex() != strings.ToLower(s) {
			t.Fatalf("ParseID(%q).Hex() = %q", s, id.Hex())
		}
	})
}
