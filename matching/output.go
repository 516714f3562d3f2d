package matching

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
)

// WriteJSON writes the result as the contract's JSON document.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(r)
}

// WriteEdges writes every feasible pair, one JSON object a line, in request
// order: {"request": …, "volunteer": …, "score": …, "distance_km": …}.
func (r *Result) WriteEdges(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	ps, sc := r.ps, r.p.sc
	buf := make([]byte, 0, 256)
	for j := range r.p.reqs {
		rid := appendJSONString(nil, sc.Requests[j].ID)
		for a := ps.start[j]; a < ps.end[j]; a++ {
			buf = append(buf[:0], `{"request":`...)
			buf = append(buf, rid...)
			buf = append(buf, `,"volunteer":`...)
			buf = appendJSONString(buf, sc.Volunteers[ps.vol[a]].ID)
			buf = append(buf, `,"score":`...)
			buf = strconv.AppendFloat(buf, float64(ps.score[a])/scoreUnit, 'f', -1, 64)
			buf = append(buf, `,"distance_km":`...)
			buf = strconv.AppendFloat(buf, roundKm(float64(ps.dist[a])), 'f', -1, 64)
			buf = append(buf, "}\n"...)
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// appendJSONString appends s as a JSON string; plain ASCII IDs take the fast way.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
