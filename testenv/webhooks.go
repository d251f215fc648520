package testenv

import admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

func deepCopyValidating(in []*admissionregistrationv1.ValidatingWebhookConfiguration) []*admissionregistrationv1.ValidatingWebhookConfiguration {
	out := make([]*admissionregistrationv1.ValidatingWebhookConfiguration, 0, len(in))
	for _, w := range in {
		out = append(out, w.DeepCopy())
	}
	return out
}

func deepCopyMutating(in []*admissionregistrationv1.MutatingWebhookConfiguration) []*admissionregistrationv1.MutatingWebhookConfiguration {
	out := make([]*admissionregistrationv1.MutatingWebhookConfiguration, 0, len(in))
	for _, w := range in {
		out = append(out, w.DeepCopy())
	}
	return out
}
