// Package actor is the one choke point of the SDK's Clients that act for an
// end user (their ClientOptions.OnBehalfOf). A Client holds a Gate and asks
// it, with the attributes of each request an operation is about to make,
// before making any; a refusal is a *fielderr.Forbidden naming the user and,
// from the authorizer's explanation, what they lack. A Gate for nobody (the
// Client acts with its own credentials) allows everything.
package actor
