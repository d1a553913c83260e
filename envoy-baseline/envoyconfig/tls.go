package envoyconfig

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// upstreamTLS originates mutual TLS with the pod's certificate and accepts
// only peers whose SPIFFE ID is in the trust domain.
func upstreamTLS(t *TLS) (*corev3.TransportSocket, error) {
	return transportSocket(&tlsv3.UpstreamTlsContext{CommonTlsContext: commonTLS(t)})
}

// downstreamTLS terminates mutual TLS, requiring a client certificate from
// the trust domain.
func downstreamTLS(t *TLS) (*corev3.TransportSocket, error) {
	return transportSocket(&tlsv3.DownstreamTlsContext{
		CommonTlsContext:         commonTLS(t),
		RequireClientCertificate: wrapperspb.Bool(true),
	})
}

func commonTLS(t *TLS) *tlsv3.CommonTlsContext {
	file := func(p string) *corev3.DataSource {
		return &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: p}}
	}
	return &tlsv3.CommonTlsContext{
		TlsParams: &tlsv3.TlsParameters{TlsMinimumProtocolVersion: tlsv3.TlsParameters_TLSv1_2},
		TlsCertificates: []*tlsv3.TlsCertificate{{
			CertificateChain: file(t.CertChain),
			PrivateKey:       file(t.PrivateKey),
		}},
		ValidationContextType: &tlsv3.CommonTlsContext_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: file(t.TrustedCA),
			MatchTypedSubjectAltNames: []*tlsv3.SubjectAltNameMatcher{{
				SanType: tlsv3.SubjectAltNameMatcher_URI,
				Matcher: &matcherv3.StringMatcher{MatchPattern: &matcherv3.StringMatcher_Prefix{Prefix: "spiffe://" + t.TrustDomain + "/"}},
			}},
		}},
	}
}

func transportSocket(ctx validatable) (*corev3.TransportSocket, error) {
	a, err := pack(ctx)
	if err != nil {
		return nil, err
	}
	return &corev3.TransportSocket{
		Name:       "envoy.transport_sockets.tls",
		ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: a},
	}, nil
}
