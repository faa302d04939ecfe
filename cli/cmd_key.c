/*
 * cmd_key.c - wijknet key rotate: a member makes its next signing and
 * key-agreement keys and prints the bundle the director takes with
 * `wijknet peer rekey` (PROTOCOL.md, "Key rotation"). The node writes the
 * next keys itself, under the passphrase it was unlocked with: none is
 * asked here, none travels.
 */
#include "cli/cli.h"

#include <string.h>

const char cli_usage_key[] =
    "key rotate\n"
    "       (prints the node's new bundle: hand it to the director, who\n"
    "       runs wijknet peer rekey BUNDLE; run again to see it again)";

static int
key_rotate(struct cli *cli)
{
	struct proto_ctl_reply reply = {0};
	int status;
	char when[64];
	if (!cli_ask(cli, &reply, &status, "key.rotate", NULL))
		goto out;
	if (reply.nrows != 1) {
		fprintf(stderr, "%s: the node's answer has no bundle\n",
		    cli->prog);
		status = CLI_FAIL;
		goto out;
	}
	const struct proto_ctl_row *r = &reply.rows[0];
	/* the bundle on stdout, as `wijknetd public` prints one; the words
	 * for the person on stderr */
	printf("org_id = %s\nname = %s\nrole = %s\nendpoint = %s\n"
	       "sign_key = %s\nkx_key = %s\nfingerprint = %s\n",
	    cli_row_text(r, "org_id"), cli_row_text(r, "name"),
	    cli_row_text(r, "role"), cli_row_text(r, "endpoint"),
	    cli_row_text(r, "sign_key"), cli_row_text(r, "kx_key"),
	    cli_row_text(r, "fingerprint"));
	if (cli_row_bool(r, "made_now"))
		fprintf(stderr, "New keys made (fingerprint %s). Hand this "
		    "bundle to the director and read the fingerprint aloud; "
		    "this node signs with its old keys until the director's "
		    "charter names the new ones.\n",
		    cli_row_text(r, "fingerprint"));
	else {
		cli_moment(cli_row_int(r, "since_ms"), when, sizeof(when));
		fprintf(stderr, "A key rotation is under way since %s: the "
		    "director has not announced these keys (fingerprint %s) "
		    "yet.\n", when, cli_row_text(r, "fingerprint"));
	}
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_key(struct cli *cli, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "rotate") == 0)
		return key_rotate(cli);
	fprintf(stderr, "usage: wijknet %s\n", cli_usage_key);
	return CLI_USAGE;
}
