package webhooks

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"

	"github.com/spherekit/spherekit/network/ippools"
)

// FuzzPoolRefs: reading Calico's annotations never panics, refuses only
// with an *InvalidError naming one of them, and what it accepts is exactly
// what the annotations say: the names, and addresses that are valid and
// never IPv4-mapped.
func FuzzPoolRefs(f *testing.F) {
	f.Add(`["a","b"]`, `["c"]`, `["10.0.0.1","::ffff:10.0.0.2"]`)
	f.Add(`a`, ``, `["x"]`)
	f.Add(`null`, `[]`, `[""]`)
	f.Add(`["fe80::1%eth0"]`, `[1]`, `["fe80::1%eth0"]`)
	f.Fuzz(func(t *testing.T, v4, v6, addrs string) {
		ann := map[string]string{IPv4PoolsAnnotation: v4, IPv6PoolsAnnotation: v6, IPAddrsAnnotation: addrs}
		names, got, err := poolRefs(ann, "metadata.annotations")
		if err != nil {
			var ie *ippools.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("refusal %v is not an *InvalidError", err)
			}
			switch ie.Field {
			case "metadata.annotations[" + IPv4PoolsAnnotation + "]", "metadata.annotations[" + IPv6PoolsAnnotation + "]", "metadata.annotations[" + IPAddrsAnnotation + "]":
			default:
				t.Fatalf("refusal names %q", ie.Field)
			}
			return
		}
		var a, b, c []string
		if json.Unmarshal([]byte(v4), &a) != nil || json.Unmarshal([]byte(v6), &b) != nil || json.Unmarshal([]byte(addrs), &c) != nil {
			t.Fatalf("accepted malformed annotations %q %q %q", v4, v6, addrs)
		}
		if len(names) != len(a)+len(b) || len(got) != len(c) {
			t.Fatalf("read %v %v from %q %q %q", names, got, v4, v6, addrs)
		}
		for i, s := range c {
			want := netip.MustParseAddr(s).Unmap()
			if got[i] != want || got[i].Is4In6() {
				t.Fatalf("address %q read as %v", s, got[i])
			}
		}
	})
}
