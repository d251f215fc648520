package logging_test

import (
	"fmt"
	"net/url"

	"github.com/spherekit/spherekit/observability/logging"
)

// Read KubeSphere's parameters; a bad one is an *InvalidError naming it.
func ExampleParseLogQuery() {
	q, err := logging.ParseLogQuery(url.Values{"namespaces": {"demo"}, "log_query": {"error,timeout"}, "size": {"50"}})
	fmt.Println(q.Operation, q.Namespaces, q.Keywords, q.Size, err)

	_, err = logging.ParseLogQuery(url.Values{"interval": {"1M"}})
	fmt.Println(err)
	// Output:
	// query [demo] [error timeout] 50 <nil>
	// invalid interval: "1M" is not a count and one of the units s, m, h, d, w (such as 15m)
}

// The pods of a workload, by KubeSphere's generated-name rule.
func ExampleWorkloadPodName() {
	re := logging.WorkloadPodName("web")
	for _, pod := range []string{"web-6d4cf56db6-x7k2p", "web-0", "web-x7k2p", "webhook-0"} {
		fmt.Println(pod, re.MatchString(pod) && re.FindString(pod) == pod)
	}
	// Output:
	// web-6d4cf56db6-x7k2p true
	// web-0 true
	// web-x7k2p true
	// webhook-0 false
}
