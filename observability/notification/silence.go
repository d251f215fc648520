package notification

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
)

// SilenceActive reports whether s silences at now, as notification-manager
// decides: never when disabled; with a schedule (a standard five-field
// cron expression), when a scheduled time fell within the duration before
// now (always, without a duration); else from startsAt for the duration
// (from startsAt on, without one; always, without startsAt). A schedule
// that does not parse is an *InvalidError.
func SilenceActive(s *notificationv2beta2.Silence, now time.Time) (bool, error) {
	spec := &s.Spec
	if spec.Enabled != nil && !*spec.Enabled {
		return false, nil
	}
	if spec.Schedule != "" {
		schedule, err := cron.ParseStandard(spec.Schedule)
		if err != nil {
			return false, &InvalidError{Field: "spec.schedule", Reason: err.Error(), Err: err}
		}
		if spec.Duration == nil {
			return true, nil
		}
		// A scheduled time in (now-duration, now] means the next one after
		// now-duration is not after now.
		return !schedule.Next(now.Add(-spec.Duration.Duration)).After(now), nil
	}
	if spec.StartsAt == nil {
		return true, nil
	}
	if spec.StartsAt.After(now) {
		return false, nil
	}
	return spec.Duration == nil || spec.StartsAt.Add(spec.Duration.Duration).After(now), nil
}

// ValidateSilence checks what notification-manager's webhook checks of a
// Silence: its matcher and its schedule; and, beyond it, that its
// duration is not negative. The *InvalidError names the field.
func ValidateSilence(s *notificationv2beta2.Silence) error {
	if s.Spec.Matcher == nil {
		return &InvalidError{Field: "spec.matcher", Reason: "required"}
	}
	if err := ValidateSelector(s.Spec.Matcher, "spec.matcher"); err != nil {
		return err
	}
	if s.Spec.Schedule != "" {
		if _, err := cron.ParseStandard(s.Spec.Schedule); err != nil {
			return &InvalidError{Field: "spec.schedule", Reason: fmt.Sprintf("%q is not a cron schedule: %v", s.Spec.Schedule, err), Err: err}
		}
	}
	if s.Spec.Duration != nil && s.Spec.Duration.Duration < 0 {
		return &InvalidError{Field: "spec.duration", Reason: "is negative"}
	}
	return nil
}
