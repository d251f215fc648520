package notification_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	notificationv2beta2 "github.com/spherekit/spherekit/observability/api/notification/v2beta2"
	"github.com/spherekit/spherekit/observability/notification"
)

const (
	pushoverToken = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
	pushoverUser  = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
	pushoverUser2 = "gznej3rKEVAvPUxu9vvNnqpmZpokzF"
)

// pushoverFake stands in for Pushover, which is not reachable from the
// test machine. It checks POST /1/messages.json as Pushover documents it
// (JSON {"token", "user", "message", "title", "device", "sound"}: a
// 30-character token and user key, a message of at most 1024 characters,
// a title of at most 250) and answers as Pushover does: {"status": 1,
// "request"}, or 400 with {"status": 0, "errors": [...]}. The token
// "proxy" stands for a proxy failing with a 502 that echoes the request.
func pushoverFake(t *testing.T) *chatFake {
	key := regexp.MustCompile(`^[A-Za-z0-9]{30}$`)
	refuse := func(field, msg string) (int, any) {
		return http.StatusBadRequest, map[string]any{field: "invalid", "errors": []string{msg}, "status": 0, "request": "5042853c-402d-4a18-abcb-168734a801de"}
	}
	return newChatFake(t, func(c chatCall) (int, any) {
		if c.Method != http.MethodPost || c.Path != "/1/messages.json" {
			return http.StatusNotFound, map[string]any{"status": 0, "errors": []string{"not found"}}
		}
		switch token := str(c.Body, "token"); {
		case strings.HasPrefix(token, "proxy"):
			return http.StatusBadGateway, c.Body
		case token != pushoverToken:
			return refuse("token", "application token is invalid, see https://pushover.net/api")
		case !key.MatchString(str(c.Body, "user")) || (str(c.Body, "user") != pushoverUser && str(c.Body, "user") != pushoverUser2):
			return refuse("user", "user identifier is not a valid user, group, or subscribed user key, see https://pushover.net/api#identifiers")
		case str(c.Body, "message") == "" || utf8.RuneCountInString(str(c.Body, "message")) > 1024:
			return refuse("message", "message cannot be blank or longer than 1024 characters")
		case utf8.RuneCountInString(str(c.Body, "title")) > 250:
			return refuse("title", "title is too long")
		}
		return http.StatusOK, map[string]any{"status": 1, "request": "647d2300-702c-4b38-8b2f-d56326ae460b"}
	})
}

// TestSendPushover sends Pushover messages through pushoverFake: the
// request format for each profile, Pushover's refusals surfacing with
// their errors, the length cuts, missing credentials, and the token kept
// out of errors.
func TestSendPushover(t *testing.T) {
	ctx := context.Background()
	fake := pushoverFake(t)
	cfg := &notificationv2beta2.PushoverConfig{PushoverTokenSecret: value(pushoverToken)}
	profile := func(user string) *notificationv2beta2.PushoverUserProfile {
		return &notificationv2beta2.PushoverUserProfile{UserKey: ptr.To(user)}
	}

	tests := []struct {
		name        string
		cfg         *notificationv2beta2.PushoverConfig
		r           *notificationv2beta2.PushoverReceiver
		title, text string
		wantErr     []string
		wantField   string
		check       func(t *testing.T, calls []chatCall)
	}{{
		name: "each profile, with its devices and sound",
		cfg:  cfg,
		r: &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{
			{UserKey: ptr.To(pushoverUser), Devices: []string{"iphone", "pixel"}, Sound: ptr.To("siren"), Title: ptr.To("ignored")},
			profile(pushoverUser2)}},
		title: "[firing] PodCrash", text: "[firing] PodCrash\n\nweb-0 restarted",
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 2)
			assert.Equal(t, map[string]any{"token": pushoverToken, "user": pushoverUser, "title": "[firing] PodCrash",
				"message": "[firing] PodCrash\n\nweb-0 restarted", "device": "iphone,pixel", "sound": "siren"}, calls[0].Body)
			assert.Equal(t, map[string]any{"token": pushoverToken, "user": pushoverUser2, "title": "[firing] PodCrash",
				"message": "[firing] PodCrash\n\nweb-0 restarted"}, calls[1].Body)
		},
	}, {
		name:  "a user Pushover does not know does not stop the others",
		cfg:   cfg,
		r:     &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile("BADuser0000000000000000000000x"), profile(pushoverUser)}},
		title: "t", text: "x",
		wantErr: []string{"pushover: send to BADuser0000000000000000000000x: user identifier is not a valid user"},
		check: func(t *testing.T, calls []chatCall) {
			assert.Len(t, calls, 2)
		},
	}, {
		name:  "a wrong token",
		cfg:   &notificationv2beta2.PushoverConfig{PushoverTokenSecret: value("azGDORePK8gMaC0QOYAMyEEuzJnyUj")},
		r:     &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser)}},
		title: "t", text: "x",
		wantErr: []string{"application token is invalid"},
	}, {
		name:  "an answer echoing the request keeps the token out",
		cfg:   &notificationv2beta2.PushoverConfig{PushoverTokenSecret: value("proxy-token-0123456789abcdefgh")},
		r:     &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser)}},
		title: "t", text: "x",
		wantErr: []string{"502 Bad Gateway", `"token":"<redacted>"`},
	}, {
		name:  "long text and title are cut to Pushover's limits",
		cfg:   cfg,
		r:     &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser)}},
		title: strings.Repeat("ä", 300), text: strings.Repeat("line\n", 1000),
		check: func(t *testing.T, calls []chatCall) {
			require.Len(t, calls, 1)
			assert.Equal(t, strings.Repeat("ä", notification.PushoverMaxTitle), str(calls[0].Body, "title"))
			assert.Equal(t, notification.PushoverMaxMessage, jsonLength(str(calls[0].Body, "message")), "measured as notification-manager does: JSON-escaped")
		},
	}, {
		name:      "no Config",
		r:         &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser)}},
		wantField: "config.spec.pushover",
	}, {
		name:      "no token",
		cfg:       &notificationv2beta2.PushoverConfig{},
		r:         &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser)}},
		wantField: "config.spec.pushover.pushoverTokenSecret",
	}, {
		name:      "no profiles",
		cfg:       cfg,
		r:         &notificationv2beta2.PushoverReceiver{},
		wantField: "spec.pushover.profiles",
	}, {
		name:      "a profile without its user key",
		cfg:       cfg,
		r:         &notificationv2beta2.PushoverReceiver{Profiles: []*notificationv2beta2.PushoverUserProfile{profile(pushoverUser), {}}},
		wantField: "spec.pushover.profiles[1].userKey",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.taken("/")
			err := notification.SendPushover(ctx, notification.Secrets{}, tt.cfg, tt.r, tt.title, tt.text, fake.URL+"/1/messages.json", 0)
			calls := fake.taken("/")
			switch {
			case tt.wantField != "":
				requireField(t, err, tt.wantField)
				assert.Empty(t, calls, "nothing is sent when a credential or recipient is missing")
			case len(tt.wantErr) > 0:
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.Contains(t, err.Error(), want)
				}
				assertNoSecret(t, err, pushoverToken, "proxy-token-0123456789abcdefgh", "azGDORePK8gMaC0QOYAMyEEuzJnyUj")
			default:
				require.NoError(t, err)
			}
			if tt.check != nil {
				tt.check(t, calls)
			}
		})
	}
}
