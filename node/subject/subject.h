/*
 * subject.h - the canonical form of a subject's identifier: the bytes a
 * node hashes into its pseudonymous token (crypto/'s sec_oprf_*, issue
 * 11), so they must be the same on every node for the same person.
 *
 * The subject room owns the normalisation of identifiers: a Belgian
 * national register number, a Dutch BSN, a name with a date of birth, an
 * address. Each becomes one string with a kind prefix ("be-nrn:",
 * "nl-bsn:", "person:", "address:"); the rules, with the hard cases
 * decided, are in protocol/SUBJECTS.md and must be followed exactly by
 * every implementation. Pure code: it may use no other room of node/
 * (only config/'s wn_text_fold). Thread safe.
 *
 * Every function writes the form, NUL-terminated, into out[0..cap) and its
 * length into *outlen (may be NULL), only on success. On bad input it
 * returns WN_EINVAL (WN_ETOOBIG over a length limit, WN_ENOMEM) and says
 * in err which field is wrong and why, never quoting the input: it is a
 * personal field.
 */
#ifndef NODE_SUBJECT_H
#define NODE_SUBJECT_H

#include "config/wn.h"

/* the longest field read, in bytes, and room for any canonical form */
#define NODE_SUBJECT_FIELD_MAX 200
#define NODE_SUBJECT_MAX 1024

/* node_subject_be_nrn: a Belgian national register (or BIS) number, 11
 * digits with or without the dots, dash and spaces ("85.07.30-033.61"),
 * whose check digits hold for a birth before or after 2000: "be-nrn:"
 * and the 11 digits. */
WN_NODISCARD wn_err node_subject_be_nrn(const char *text, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

/* node_subject_nl_bsn: a Dutch BSN, 9 digits (or 8, the leading zero lost
 * by a spreadsheet) with or without dots and spaces, passing the 11-proof:
 * "nl-bsn:" and the 9 digits. */
WN_NODISCARD wn_err node_subject_nl_bsn(const char *text, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

/* node_subject_date: a date of birth as "YYYY-MM-DD" from YYYY-MM-DD,
 * DD-MM-YYYY (with -, /, . or a space between, day and month of one or two
 * digits) or YYYYMMDD; a real calendar date in the years 1800 to 2199.
 * out holds at least 11 bytes. */
WN_NODISCARD wn_err node_subject_date(const char *text, char out[11],
    char *err, size_t errlen);

/* node_subject_person: family name (with its particles, "van den Broeck",
 * or "Broeck, van den"), all given names, and date of birth:
 * "person:FAMILY/GIVEN/YYYY-MM-DD", the names folded (SUBJECTS.md). */
WN_NODISCARD wn_err node_subject_person(const char *family,
    const char *given, const char *born, char *out, size_t cap,
    size_t *outlen, char *err, size_t errlen);

/* node_subject_address: street, house number (with its letter, "12A"),
 * box (NULL or "" for none; "bus 3", "bte 3" and "3" alike) and postcode:
 * "address:STREET/NUMBER/BOX/POSTCODE". */
WN_NODISCARD wn_err node_subject_address(const char *street,
    const char *number, const char *box, const char *postcode, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

#endif
