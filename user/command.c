/* command.c: the session options and the target's description that
 * record and top derive from the command line alike. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "command.h"

void command__session_opts(const struct config *cfg, struct session_opts *so)
{
	memset(so, 0, sizeof(*so));
	so->rate = cfg->rate;
	so->verbose = cfg->verbose;
	so->bpf_stats = cfg->stats;
	so->duration = cfg->duration;
	so->syms.lines = cfg->function ? SYM_LINE_FUNCTION
			 : cfg->nolineno ? SYM_LINE_NONE
					 : SYM_LINE_CURRENT;
	so->syms.full_filenames = cfg->full_filenames;
	so->pids = cfg->pids;
	so->npids = cfg->npids;
	so->argv = cfg->argv;
	so->capture = cfg->capture;
	so->all = cfg->all;
	so->subprocesses = cfg->subprocesses;
	so->idle = cfg->idle;
	so->gc = !cfg->nogc;
	so->probes = true;
	so->calls = cfg->calls;
}

void command__describe(const struct config *cfg, struct session *s, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	if (s && cfg->npids == 1 && *session__cmdline(s, cfg->pids[0])) {
		snprintf(buf, len, "%s", session__cmdline(s, cfg->pids[0]));
	} else if (cfg->argv) {
		for (i = 0; cfg->argv[i] && used < len; i++)
			used +=
			    snprintf(buf + used, len - used, "%s%s", i ? " " : "", cfg->argv[i]);
	} else if (cfg->all) {
		snprintf(buf, len, "all Python processes");
	} else {
		for (i = 0; i < cfg->npids && used < len; i++)
			used += snprintf(buf + used, len - used, "%sPID %d", i ? ", " : "",
					 (int)cfg->pids[i]);
	}
}

int command__exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}
