package service_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkQueue10kMails renders and queues 10,000 mails (the
// already_registered message, text and HTML) into the embedded store, one
// Enqueue each, as use cases do; a fresh database per round.
//
//	go test -run '^$' -bench Queue10k -benchtime 1x ./service/
func BenchmarkQueue10kMails(b *testing.B) {
	const n = 10000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		f := newDispatchFixture(b)
		f.svc.Now = realNow
		f.svc.Store.SetClock(realNow)
		b.StartTimer()
		start := time.Now()
		for i := range n {
			if err := f.svc.QueueTestMail(ctx, f.tn, fmt.Sprintf("bench:%05d", i), fmt.Sprintf("p%05d@example.net", i),
				"de", "Jürgen Müller", nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "mails/s")
	}
}

// BenchmarkDispatch sends 500 queued mails from the embedded store to an
// in-process SMTP server with 1 and with 4 workers (the default).
//
//	go test -run '^$' -bench Dispatch -benchtime 3x ./service/
func BenchmarkDispatch(b *testing.B) {
	const n = 500
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			f := newDispatchFixture(b)
			f.svc.Now = realNow
			f.svc.Store.SetClock(realNow)
			f.svc.MailWorkers = workers
			round := 0
			var sent int
			var took time.Duration
			for b.Loop() {
				b.StopTimer()
				for i := range n {
					f.queue(b, fmt.Sprintf("bench:%d:%03d", round, i), fmt.Sprintf("p%03d@example.net", i))
				}
				round++
				b.StartTimer()
				start := time.Now()
				k := f.dispatch(b)
				took += time.Since(start)
				if k != n {
					b.Fatalf("sent %d of %d", k, n)
				}
				sent += k
			}
			b.ReportMetric(float64(sent)/took.Seconds(), "mails/s")
		})
	}
}

func realNow() time.Time { return time.Now().UTC() }
