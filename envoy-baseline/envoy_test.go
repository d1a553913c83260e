package baseline

import "testing"

// A trimmed /stats?format=json answer of an Envoy sidecar with the
// envoyconfig bootstrap, after 50 HTTP requests and one TCP connection out
// (to meshed peers over mTLS) and 3 plaintext requests in.
const envoyStatsJSON = `{"stats":[
 {"name":"cluster.outbound_mtls.upstream_cx_total","value":2},
 {"name":"http.outbound_mtls_http.downstream_rq_total","value":50},
 {"name":"http.outbound_mtls_http.downstream_cx_rx_bytes_total","value":4000},
 {"name":"http.outbound_mtls_http.downstream_cx_tx_bytes_total","value":60000},
 {"name":"tcp.outbound_mtls_tcp.downstream_cx_total","value":1},
 {"name":"tcp.outbound_mtls_tcp.downstream_cx_rx_bytes_total","value":1048580},
 {"name":"tcp.outbound_mtls_tcp.downstream_cx_tx_bytes_total","value":1048580},
 {"name":"listener.outbound.downstream_cx_total","value":2},
 {"name":"listener.inbound.downstream_cx_total","value":1},
 {"name":"http.inbound_http.downstream_rq_total","value":3},
 {"name":"http.inbound_http.downstream_cx_rx_bytes_total","value":240},
 {"name":"http.inbound_http.downstream_cx_tx_bytes_total","value":3600},
 {"name":"server.live","value":1},
 {"histograms":{"supported_quantiles":[0,25,50,75,90,95,99,99.5,99.9,100],"computed_quantiles":[]}}
]}`

func TestEnvoyCounters(t *testing.T) {
	st, err := parseEnvoyStats([]byte(envoyStatsJSON))
	if err != nil {
		t.Fatal(err)
	}
	got := envoyCounters(st)
	want := PodCounters{
		Outbound: Direction{Connections: 2, HTTPRequests: 50, TCPConnections: 1, TLSConnections: 2, BytesIn: 1052580, BytesOut: 1108580},
		Inbound:  Direction{Connections: 1, HTTPRequests: 3, BytesIn: 240, BytesOut: 3600},
	}
	if got != want {
		t.Fatalf("envoyCounters =\n %+v\nwant\n %+v", got, want)
	}
	if _, err := parseEnvoyStats([]byte("not json")); err == nil {
		t.Error("parseEnvoyStats accepted garbage")
	}
}
