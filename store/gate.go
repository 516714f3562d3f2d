package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
)

// The gate sits between the clients of `lotse db` and the FerretDB it serves.
//
// FerretDB on SQLite runs an update, findAndModify or delete as "find the
// documents in Go, then write them back", two steps another client's command
// can run between. MongoDB makes a filtered update atomic, so the store's
// guarded transitions rely on it ({_id, status: "proposed"} → approved; a mail
// claim {_id, claimed_until ≤ now}); through a shared FerretDB two replicas
// would both see the guard hold and both win (measured: 3 replicas and 50
// queued mails sent 73). Inside one process the store's keyLocks close that
// gap; across processes the gate does: it forwards the wire protocol unchanged
// and lets one such command at a time reach FerretDB, holding the turn until
// its reply is back. Reads and inserts pass freely (an insert is atomic by its
// unique _id), so only writers that SQLite serializes anyway wait.
type gate struct {
	backend string // FerretDB's own address
	mu      sync.Mutex
}

// Wire protocol op codes and OP_MSG flags.
const (
	opMsg          = 2013
	flagMoreToCome = 1 << 1
	maxMessage     = 48 << 20
)

// gatedCommands are the commands FerretDB runs as read-modify-write.
var gatedCommands = map[string]bool{"update": true, "findandmodify": true, "delete": true}

// serve accepts clients on ln until ctx ends, and returns when every
// connection has closed.
func (g *gate) serve(ctx context.Context, ln net.Listener) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	go func() {
		<-ctx.Done()
		_ = ln.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.relay(c)
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// relay forwards one client's requests and FerretDB's replies in turn, as the
// driver sends them: one request, then its reply (or replies, while a reply
// says more are coming).
func (g *gate) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", g.backend)
	if err != nil {
		return
	}
	defer server.Close()
	for {
		req, err := readMessage(client)
		if err != nil {
			return
		}
		gated := gatedCommands[strings.ToLower(commandName(req))]
		if gated {
			g.mu.Lock()
		}
		err = g.exchange(client, server, req)
		if gated {
			g.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (g *gate) exchange(client, server net.Conn, req []byte) error {
	if _, err := server.Write(req); err != nil {
		return err
	}
	if msgFlags(req)&flagMoreToCome != 0 {
		return nil // no reply expected
	}
	for {
		reply, err := readMessage(server)
		if err != nil {
			return err
		}
		if _, err := client.Write(reply); err != nil {
			return err
		}
		if msgFlags(reply)&flagMoreToCome == 0 {
			return nil
		}
	}
}

// readMessage reads one wire message, header included.
func readMessage(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[:]))
	if n < 16 || n > maxMessage {
		return nil, fmt.Errorf("store: gate: message of %d bytes", n)
	}
	msg := make([]byte, n)
	copy(msg, head[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opCode(msg []byte) int32 { return int32(binary.LittleEndian.Uint32(msg[12:16])) }

// msgFlags returns the flag bits of an OP_MSG, 0 for other messages.
func msgFlags(msg []byte) uint32 {
	if len(msg) < 20 || opCode(msg) != opMsg {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[16:20])
}

// commandName returns the first key of an OP_MSG's body section (kind 0),
// which names the command; "" for anything else.
func commandName(msg []byte) string {
	if len(msg) < 21 || opCode(msg) != opMsg {
		return ""
	}
	b := msg[20:]
	for len(b) > 0 {
		kind := b[0]
		b = b[1:]
		if len(b) < 4 {
			return ""
		}
		size := int(binary.LittleEndian.Uint32(b))
		if size < 5 || size > len(b) {
			return ""
		}
		if kind == 0 {
			// document: int32 size, then the first element: type byte, cstring key.
			doc := b[4:size]
			if len(doc) < 2 || doc[0] == 0 {
				return ""
			}
			end := bytes.IndexByte(doc[1:], 0)
			if end < 0 {
				return ""
			}
			return string(doc[1 : 1+end])
		}
		b = b[size:] // kind 1: a document sequence, size included
	}
	return ""
}

// startGate starts FerretDB's gate on listen, forwarding to backend, and
// returns its address and a function that stops it.
func startGate(listen, backend string) (string, func(), error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("store: listen on %s: %w", listen, err)
	}
	g := &gate{backend: backend}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.serve(ctx, ln)
	}()
	return ln.Addr().String(), func() { cancel(); <-done }, nil
}
