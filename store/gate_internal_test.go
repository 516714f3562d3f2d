package store

import (
	"bytes"
	"encoding/binary"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// opMsgOf builds an OP_MSG with flags, a document sequence and then the body.
func opMsgOf(t *testing.T, flags uint32, body bson.D) []byte {
	t.Helper()
	doc, err := bson.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	item, _ := bson.Marshal(bson.D{{Key: "q", Value: bson.D{}}})
	var seq bytes.Buffer
	seq.WriteString("updates\x00")
	seq.Write(item)
	var b bytes.Buffer
	b.Write(make([]byte, 16))
	_ = binary.Write(&b, binary.LittleEndian, flags)
	b.WriteByte(1)
	_ = binary.Write(&b, binary.LittleEndian, uint32(4+seq.Len()))
	b.Write(seq.Bytes())
	b.WriteByte(0)
	b.Write(doc)
	msg := b.Bytes()
	binary.LittleEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	return msg
}

func TestGateReadsCommands(t *testing.T) {
	for _, tc := range []struct {
		body  bson.D
		flags uint32
		want  string
	}{
		{bson.D{{Key: "update", Value: "outbox"}, {Key: "$db", Value: "lotse"}}, 0, "update"},
		{bson.D{{Key: "findAndModify", Value: "matches"}}, flagMoreToCome, "findAndModify"},
		{bson.D{{Key: "find", Value: "outbox"}}, 0, "find"},
	} {
		msg := opMsgOf(t, tc.flags, tc.body)
		got, err := readMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatal(err)
		}
		if name := commandName(got); name != tc.want {
			t.Errorf("command %q, want %q", name, tc.want)
		}
		if msgFlags(got) != tc.flags {
			t.Errorf("flags %b, want %b", msgFlags(got), tc.flags)
		}
	}
	legacy := make([]byte, 20)
	binary.LittleEndian.PutUint32(legacy, 20)
	binary.LittleEndian.PutUint32(legacy[12:], 2004) // OP_QUERY
	if commandName(legacy) != "" || msgFlags(legacy) != 0 {
		t.Error("an OP_QUERY must pass ungated")
	}
	if _, err := readMessage(bytes.NewReader([]byte{1, 0, 0, 0})); err == nil {
		t.Error("a 1-byte message length must be refused")
	}
}
