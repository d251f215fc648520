// Package fielderr is the one shape of the SDK's input errors: which input
// was refused (Field), why (Reason), and, where one caused it, the error
// behind it (Err, such as the API server's answer), which Unwrap returns so
// apierrors.IsNotFound and errors.Is keep working through it.
//
// Packages re-export the types under their own names (tenancy.InvalidError,
// authz.InvalidError, resources.InvalidError and tenancy.NotFoundError are
// aliases of the types here), so a caller branches on one type whichever
// package refused the input.
//
// Forbidden is the one shape of a refusal of the user a Client acts for
// (tenancy.ForbiddenError and the other domains' ForbiddenError are
// aliases of it); internal/actor's Gate makes it.
package fielderr
