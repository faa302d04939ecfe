/*
 * wn.h - the few project-wide names: the error type, logging, small helpers.
 *
 * Every module returns wn_err. Values are only ever appended; each carries
 * its number in a comment so that logs from older builds stay readable.
 */
#ifndef WN_H
#define WN_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define WN_NODISCARD __attribute__((warn_unused_result))
#define WN_PRINTF(a, b) __attribute__((format(printf, a, b)))

typedef enum {
	WN_OK = 0,        /* 0 */
	WN_ENOMEM,        /* 1 out of memory */
	WN_EPROTO,        /* 2 malformed or unexpected message */
	WN_ECRYPTO,       /* 3 a cryptographic check failed */
	WN_EAUTH,         /* 4 wrong passphrase / unknown user or peer */
	WN_EDENIED,       /* 5 not permitted */
	WN_EDB,           /* 6 store error */
	WN_ETRANSPORT,    /* 7 network or socket error */
	WN_ECONFIG,       /* 8 bad configuration */
	WN_EIO,           /* 9 file system error */
	WN_EINVAL,        /* 10 bad argument */
	WN_ENOTFOUND,     /* 11 no such thing */
	WN_ECORRUPT,      /* 12 stored data failed an integrity check */
	WN_EBUSY,         /* 13 in use (a second daemon, a lock) */
	WN_ETOOBIG,       /* 14 over a size limit */
	WN_ETIMEDOUT,     /* 15 timed out */
	WN_EPERM,         /* 16 file permissions too open */
	WN_ENOKEY,        /* 17 cannot decrypt: the keys do not match */
	WN_ELIMIT,        /* 18 daily token limit reached */
	WN_ESESSION,      /* 19 no such session: open a new one */
} wn_err;

/* wn_strerror returns a static, human-readable text for err. */
const char *wn_strerror(wn_err err);

/* Log levels, lowest is most severe. */
enum wn_log_level {
	WN_LOG_ERROR = 0,
	WN_LOG_WARN = 1,
	WN_LOG_INFO = 2,
	WN_LOG_DEBUG = 3,
};

/* wn_log_set_level sets the global threshold; wn_log_level_parse reads
 * "error", "warn", "info" or "debug" into *out and returns false otherwise. */
void wn_log_set_level(enum wn_log_level level);
bool wn_log_level_parse(const char *text, enum wn_log_level *out);
/* wn_log writes one event as one line to stderr, key=value:
 *   ts=2026-03-04T22:00:00.123Z level=warn msg="..."
 * the message's quotes, backslashes and control bytes escaped (\", \\,
 * \n, \t, \xNN), so no text it carries can make a line of its own; cut
 * at 2047 bytes. Thread safe. Never pass a secret or personal data to
 * it. */
void wn_log(enum wn_log_level level, const char *fmt, ...) WN_PRINTF(2, 3);

/* wn_strlcpy copies at most size-1 bytes and terminates; returns strlen(src)
 * so truncation is detected by result >= size. */
size_t wn_strlcpy(char *dst, const char *src, size_t size);

/*
 * Text identifiers (subject references, names, purposes, ...) are stored
 * and compared in Unicode NFC, so that "\u00c9lise" typed precomposed and
 * "E\u0301lise" typed with a combining accent are one subject. utf8proc
 * does the work; nothing else in the project includes it.
 */

/* wn_text_valid says whether s[0..len) is well-formed UTF-8 without NUL:
 * no overlong forms, surrogates or code points above U+10FFFF. */
bool wn_text_valid(const char *s, size_t len);

/* wn_text_chars is the number of code points in valid UTF-8 s[0..len). */
size_t wn_text_chars(const char *s, size_t len);

/* wn_text_next reads the code point that starts NUL-terminated s (not
 * at its end) into *cp and its width on a terminal (0 for a combining
 * mark, 2 for a wide character, else 1) into *cols, and returns its
 * length in bytes; a byte that starts no valid sequence is one byte of
 * code point U+FFFD, width 1. */
size_t wn_text_next(const char *s, int32_t *cp, size_t *cols);

/* wn_text_nfc writes the NFC form of s[0..len), NUL-terminated, into
 * out[0..cap) and its length into *outlen (may be NULL). out may be s.
 * WN_EINVAL if s is not valid UTF-8 (see wn_text_valid), WN_ETOOBIG if
 * the result (which can be longer than s) does not fit, WN_ENOMEM; out is
 * unchanged then. Thread safe. */
WN_NODISCARD wn_err wn_text_nfc(const char *s, size_t len, char *out,
    size_t cap, size_t *outlen);

/* wn_text_fold writes the matching form of s[0..len) into out[0..cap),
 * NUL-terminated, and its length into *outlen (may be NULL): the text in
 * Unicode NFKD with full case folding and every mark (categories Mn, Mc,
 * Me) removed, so precomposed and decomposed input fold alike; then
 *   - the letters that do not decompose: \u00e6 ae, \u0153 oe, \u00f8 o,
 *     \u0142 l, \u0111 d, \u00f0 d, \u00fe th, \u0131 i, \u0127 h,
 *     \u0167 t, \u014b n, \u0138 k, \u0192 f (\u00df is ss by case
 *     folding, \u0133 ij by NFKD); \u00b7 (the Catalan l\u00b7l) removed;
 *   - every space (Zs) a ' ', every dash (Pd) a '-', and the marks typed
 *     for an apostrophe (U+2018, U+2019, U+201B, U+02BC, U+0060, U+00B4,
 *     U+2032, in the input or made by NFKD) a '\'';
 *   - other letters (L*) of any script kept, folded; ASCII kept as it is.
 * WN_EINVAL for invalid UTF-8 (wn_text_valid), a code point unassigned in
 * utf8proc's Unicode, a control character, a symbol, a non-ASCII digit or
 * other non-ASCII punctuation; WN_ETOOBIG if it does not fit; WN_ENOMEM.
 * out is unchanged on failure. Thread safe. */
WN_NODISCARD wn_err wn_text_fold(const char *s, size_t len, char *out,
    size_t cap, size_t *outlen);

/* wn_name_of is names[i] of a table of count names (a stored number's
 * name), "unknown" when i is out of range; wn_name_parse sets *out to the
 * index of s in the table, false (out unchanged) when s is none of them
 * or NULL. */
const char *wn_name_of(const char *const *names, int count, int i);
bool wn_name_parse(const char *const *names, int count, const char *s,
    int *out);

/* wn_parse_u64 parses a whole decimal string; false on anything else. */
bool wn_parse_u64(const char *text, uint64_t max, uint64_t *out);

/* wn_now_ms is the wall clock in milliseconds since the epoch. */
int64_t wn_now_ms(void);
/* wn_mono_ms is CLOCK_MONOTONIC in milliseconds: for timers and deadlines,
 * which a step of the wall clock must not stretch or cut short. */
int64_t wn_mono_ms(void);
/* wn_cond_init makes a condition variable whose timed waits take
 * CLOCK_MONOTONIC deadlines (wn_deadline). */
int wn_cond_init(pthread_cond_t *cv);
/* wn_deadline is the timespec of wn_mono_ms() value ms. */
struct timespec wn_deadline(int64_t ms);

#define WN_ASSERT(cond)                                                        \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: assertion failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#define WN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
