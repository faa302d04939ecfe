/*
 * need_wire.h - the bodies of need-to-know messages: a case and its
 * members, an information request, a disclosure, a retraction and its
 * acknowledgement (CDDL in PROTOCOL.md). Decoders are strict and never
 * allocate; text is copied into fixed fields.
 */
#ifndef PROTO_NEED_WIRE_H
#define PROTO_NEED_WIRE_H

#include "protocol/envelope.h"

#define PROTO_CASE_ID_MAX 31
/* Text identifiers are NFC (see wn_text_nfc). Their limits count
 * characters (code points), checked where the node takes them in; the
 * byte limits on the wire hold that many characters of up to 4 bytes. */
#define PROTO_SUBJECT_CHARS 63
#define PROTO_SUBJECT_MAX 255 /* bytes */
#define PROTO_PURPOSE_CHARS 255
#define PROTO_PURPOSE_MAX 1023 /* bytes */
#define PROTO_GROUND_MAX 160
#define PROTO_CASE_MAX_MEMBERS 64
#define PROTO_FIELD_NAME_CHARS 63
#define PROTO_FIELD_NAME_MAX 255 /* bytes */
#define PROTO_FIELD_VALUE_MAX 2047
#define PROTO_DISCLOSURE_MAX_FIELDS 64
#define PROTO_RETRACT_MAX 256

/* A subject named by its pseudonymous token (issue 11): in these structs
 * the text "token:" and the token's 64 lowercase hex digits; on the wire
 * a bstr of PROTO_SUBJECT_TOKEN_LEN bytes where a subject is a tstr
 * otherwise (CASE key 3, a field's key 2: PROTOCOL.md). A subject given
 * as text never starts with "token:": the decoders refuse it, and the
 * encoders refuse such a text that is not a token. */
#define PROTO_SUBJECT_TOKEN_PREFIX "token:"
#define PROTO_SUBJECT_TOKEN_LEN 32

/* proto_subject_token: subject names a token ("token:" and 64 lowercase
 * hex digits); its bytes into token (may be NULL). */
bool proto_subject_token(const char *subject,
    uint8_t token[PROTO_SUBJECT_TOKEN_LEN]);
/* proto_subject_of_token writes the subject that names token into out
 * (at least PROTO_SUBJECT_MAX + 1 bytes). */
void proto_subject_of_token(const uint8_t token[PROTO_SUBJECT_TOKEN_LEN],
    char *out, size_t cap);

struct proto_case_member {
	char org[PROTO_ORG_ID_MAX + 1];
	uint32_t role; /* enum cfg_role numbering */
	bool attested; /* signed the case's consultation protocol */
};

/* case = {1: id, 2: type, 3: subject (tstr, or bstr: a token), 4: purpose,
 *         5: ground, 6: director, 7: [* [org, role, attested]]}: the case
 * as its director holds it now; members absent from the list are not (or
 * no longer) members. */
struct proto_case {
	char id[PROTO_CASE_ID_MAX + 1];
	uint32_t type; /* enum cfg_case_type numbering */
	char subject[PROTO_SUBJECT_MAX + 1];
	char purpose[PROTO_PURPOSE_MAX + 1];
	char ground[PROTO_GROUND_MAX + 1]; /* "consent" or "basis:NAME" */
	char director[PROTO_ORG_ID_MAX + 1];
	size_t nmembers;
	struct proto_case_member members[PROTO_CASE_MAX_MEMBERS];
};

/* info_request = {1: case id, 2: bstr16 request id, 3: uint categories
 * (bit k = category k)} */
struct proto_info_request {
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint8_t request_id[16];
	uint32_t categories;
};

/* field = {1: uint field id, 2: subject (the case's: tstr, or bstr: a
 *          token), 3: category, 4: name,
 *          ? 5: value (absent: existence only)} */
struct proto_field {
	uint64_t id;
	char subject[PROTO_SUBJECT_MAX + 1];
	uint32_t category;
	char name[PROTO_FIELD_NAME_MAX + 1];
	bool has_value;
	char value[PROTO_FIELD_VALUE_MAX + 1];
};

/* disclosure = {1: case id, 2: bstr16 request id, 3: purpose, 4: ground,
 *               5: [1*64 field]}   (sizeof about 140 KiB: heap) */
struct proto_disclosure {
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint8_t request_id[16];
	char purpose[PROTO_PURPOSE_MAX + 1];
	char ground[PROTO_GROUND_MAX + 1];
	size_t nfields;
	struct proto_field fields[PROTO_DISCLOSURE_MAX_FIELDS];
};

/* retraction = {1: [1*256 uint field id], 2: reason, ? 3: case id};
 * retraction_ack = {1: [1*256 uint field id], ? 3: case id} (reason
 * unused). With a case id only the fields received (or disclosed) in that
 * case are meant; without, the fields in every case (case_id "" here). */
struct proto_retraction {
	size_t n;
	uint64_t ids[PROTO_RETRACT_MAX];
	char reason[PROTO_REASON_MAX + 1];
	char case_id[PROTO_CASE_ID_MAX + 1];
};

/* attest = {1: case id, 2: [1*16 tstr worker]}: a member's named workers
 * took part and the member signs that it follows the consultation protocol
 * named as the case's legal ground */
#define PROTO_ATTEST_MAX_WORKERS 16
struct proto_attest {
	char case_id[PROTO_CASE_ID_MAX + 1];
	size_t nworkers;
	char workers[PROTO_ATTEST_MAX_WORKERS][64];
};
WN_NODISCARD wn_err proto_attest_encode(const struct proto_attest *a,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_attest_decode(const void *buf, size_t len,
    struct proto_attest *out, struct proto_error *err);

/* amend = {1: case id, 2: uint field id (the owner's), 3: value} */
struct proto_amend {
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint64_t field_id;
	char value[PROTO_FIELD_VALUE_MAX + 1];
};
WN_NODISCARD wn_err proto_amend_encode(const struct proto_amend *a,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_amend_decode(const void *buf, size_t len,
    struct proto_amend *out, struct proto_error *err);

WN_NODISCARD wn_err proto_case_encode(const struct proto_case *c,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_case_decode(const void *buf, size_t len,
    struct proto_case *out, struct proto_error *err);
WN_NODISCARD wn_err proto_info_request_encode(
    const struct proto_info_request *r, struct proto_writer *w);
WN_NODISCARD wn_err proto_info_request_decode(const void *buf, size_t len,
    struct proto_info_request *out, struct proto_error *err);
WN_NODISCARD wn_err proto_disclosure_encode(const struct proto_disclosure *d,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_disclosure_decode(const void *buf, size_t len,
    struct proto_disclosure *out, struct proto_error *err);
/* ack: encodes/decodes the ids and the case id only */
WN_NODISCARD wn_err proto_retraction_encode(const struct proto_retraction *r,
    bool ack, struct proto_writer *w);
WN_NODISCARD wn_err proto_retraction_decode(const void *buf, size_t len,
    bool ack, struct proto_retraction *out, struct proto_error *err);

#endif
