package ldap

import (
	"context"
	"testing"
)

// BenchmarkStart measures Start to a server that answers a root bind, and
// Stop, with the Debian packages already installed:
//
//	go test -run '^$' -bench Start -benchtime 20x ./testenv/ldap/
func BenchmarkStart(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{
		{name: "plain", opts: Options{}},
		{name: "TLS", opts: Options{TLS: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				s, err := Start(context.Background(), bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := s.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
