package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// maxJSONBody bounds every JSON request body; the largest legitimate one (a
// request with a long description) is far below it.
const maxJSONBody = 64 << 10

var errTrailingJSON = errors.New("handlers: trailing data after the JSON value")

// bindJSON decodes the request body into v strictly: at most maxJSONBody bytes,
// no unknown fields, exactly one JSON value. Any failure is the client's (400).
func bindJSON(c *gin.Context, v any) error {
	return decodeStrict(http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody), v)
}

// decodeStrict is bindJSON without the size limit, for bodies already read.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// A second value (`{…}{…}`) or garbage after the first is refused, so a
	// client never has half its body silently ignored.
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingJSON
	}
	return nil
}

// formInt reads a whole number as typed: empty is 0, anything that is not a
// number is -1, so the service's range check reports it at its field.
func formInt(s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
