/*
 * bench/native/baseline.c - the "practical limit" reference client for the
 * ipvs benchmarks.
 *
 * This is a small, dependency-light C program that drives the kernel's IPVS
 * generic-netlink family the way a careful C client would: libnl-genl-3 only
 * for the socket, connect and family resolution; then raw sendmsg/recvmsg on
 * that socket with messages encoded by hand into one reusable buffer and
 * replies parsed in place (no nl_msg allocation per message, no callbacks).
 * The benchmark runner executes it in the same VM/namespace run as the Node
 * library so that the Node numbers can be read as a ratio to this baseline.
 *
 * Build (the bench runner uses exactly this):
 *   cc -O2 -Wall -o bench/native/baseline bench/native/baseline.c \
 *      $(pkg-config --cflags --libs libnl-genl-3.0)
 *
 * Usage (every mode prints one JSON line on stdout and exits 0; a kernel
 * error prints the errno and the failing op on stderr and exits 1; a usage
 * error exits 2):
 *   baseline apply --services N --dests M --mode single|batch [--chunk K]
 *   baseline churn --services N --dests M [--chunk K]
 *   baseline latency --samples S
 *   baseline dump
 *   baseline flush
 * Every mode also accepts --netns PATH (setns(CLONE_NEWNET) before the
 * socket is created, so the socket - and every command - acts in that netns).
 *
 * Table shape used by apply/churn: service i (0-based) is TCP
 * 10.0.0.1 + i (as a 32-bit number) port 80, scheduler wlc, flags 0/~0,
 * timeout 0, netmask 255.255.255.255; destination j (0-based, j < M <= 254)
 * of every service is 10.1.0.(1+j):80, masquerading, weight 1, thresholds 0.
 * Each service is immediately followed by its destinations.
 *
 * Methodology notes:
 *  - "single" sends one request per sendmsg with NLM_F_ACK and waits for the
 *    ack before the next (the one-request-per-round-trip pattern of the Go
 *    libraries).  "batch" packs up to K (<= 1024) messages and at most
 *    ~128 KiB into one sendmsg and sets NLM_F_ACK only on the last message of
 *    the chunk.  The kernel runs the messages of a sendmsg in order and sends
 *    an NLMSG_ERROR (keyed by nlmsg_seq) for every failing one, so once the
 *    final ack arrives, every earlier message that got no error succeeded.
 *  - The timed region is CLOCK_MONOTONIC around encoding + sendmsg + reading
 *    the replies.  Socket setup, netns switch and family resolution are not
 *    timed; the list of desired operations is prepared before timing.
 *  - Addresses are sent as the full 16-byte union nf_inet_addr (IPv4 in the
 *    first 4 bytes), ports in network byte order, the IPv4 netmask as the
 *    network-order mask bytes.  Nests carry NLA_F_NESTED.
 *  - "dump" parses every attribute a listing would need (identity, scheduler,
 *    flags, timeout, netmask, PE; dest address/port/method/weight/thresholds/
 *    connection counters/tunnel fields) plus the 64-bit stats nests, and
 *    then throws the result away.
 *  - Warm up before timing: the first NEW_SERVICE with a scheduler after
 *    boot autoloads ip_vs_<sched> inside the timed region (~1 s in the TCG
 *    VM), and the first service of a netns registers the netfilter hooks.
 *  - A batch stops after the first chunk that had a failure (the kernel
 *    still ran the rest of that chunk); all of its errors are reported.
 *  - Experiment knob (not part of the runner's CLI): the environment
 *    variable BASELINE_CHUNK_BYTES overrides the 128 KiB per-sendmsg cap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define MAX_CHUNK_MSGS   1024
#define DEF_CHUNK_BYTES  (128 * 1024)
#define MAX_MSG_BYTES    512              /* our largest request is ~140 B */
#define SNDBUF_BYTES     (4 * 1024 * 1024)
#define RCVBUF_BYTES     (8 * 1024 * 1024)
#define RECV_BUF_BYTES   (1024 * 1024)
#define MAX_ERR_LINES    20

/* ------------------------------------------------------------------------ */
/* Operations                                                                */

/* One desired kernel operation; addresses in host order, ports in host order. */
struct op {
	uint8_t  cmd;        /* IPVS_CMD_* */
	uint16_t vport;
	uint16_t rport;
	uint32_t vip;
	uint32_t rip;
	uint32_t weight;
};

static const char *cmd_name(int cmd)
{
	switch (cmd) {
	case IPVS_CMD_NEW_SERVICE: return "NEW_SERVICE";
	case IPVS_CMD_SET_SERVICE: return "SET_SERVICE";
	case IPVS_CMD_DEL_SERVICE: return "DEL_SERVICE";
	case IPVS_CMD_GET_SERVICE: return "GET_SERVICE";
	case IPVS_CMD_NEW_DEST:    return "NEW_DEST";
	case IPVS_CMD_SET_DEST:    return "SET_DEST";
	case IPVS_CMD_DEL_DEST:    return "DEL_DEST";
	case IPVS_CMD_GET_DEST:    return "GET_DEST";
	case IPVS_CMD_FLUSH:       return "FLUSH";
	default:                   return "?";
	}
}

static void ip4_str(uint32_t a, char *out, size_t n)
{
	snprintf(out, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void describe_op(const struct op *o, char *out, size_t n)
{
	char v[16], r[16];
	ip4_str(o->vip, v, sizeof v);
	ip4_str(o->rip, r, sizeof r);
	switch (o->cmd) {
	case IPVS_CMD_NEW_SERVICE:
	case IPVS_CMD_DEL_SERVICE:
		snprintf(out, n, "%s tcp %s:%u", cmd_name(o->cmd), v, o->vport);
		break;
	case IPVS_CMD_NEW_DEST:
	case IPVS_CMD_SET_DEST:
		snprintf(out, n, "%s tcp %s:%u -> %s:%u weight %u", cmd_name(o->cmd),
			 v, o->vport, r, o->rport, o->weight);
		break;
	case IPVS_CMD_DEL_DEST:
		snprintf(out, n, "%s tcp %s:%u -> %s:%u", cmd_name(o->cmd), v, o->vport, r, o->rport);
		break;
	default:
		snprintf(out, n, "%s", cmd_name(o->cmd));
	}
}

/* ------------------------------------------------------------------------ */
/* Message encoding into a flat buffer                                       */

static uint8_t *sbuf;       /* send buffer: one chunk */
static uint8_t *rbuf;       /* receive buffer */
static int      family;     /* resolved IPVS family id */
static int      fd = -1;    /* the netlink socket (owned by libnl's nl_sock) */
static uint32_t next_seq = 1;
static size_t   chunk_bytes = DEF_CHUNK_BYTES;

static size_t put_attr(uint8_t *b, size_t off, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(b + off);
	a->nla_len = NLA_HDRLEN + len;
	a->nla_type = type;
	if (len)
		memcpy(b + off + NLA_HDRLEN, data, len);
	size_t end = off + NLA_ALIGN(a->nla_len);
	memset(b + off + NLA_HDRLEN + len, 0, end - (off + NLA_HDRLEN + len));
	return end;
}

static size_t put_u16(uint8_t *b, size_t off, uint16_t type, uint16_t v)
{
	return put_attr(b, off, type, &v, sizeof v);
}

static size_t put_u32(uint8_t *b, size_t off, uint16_t type, uint32_t v)
{
	return put_attr(b, off, type, &v, sizeof v);
}

/* 16-byte address (union nf_inet_addr) holding an IPv4 address in host order. */
static size_t put_addr4(uint8_t *b, size_t off, uint16_t type, uint32_t host_ip)
{
	uint8_t a[16] = { 0 };
	uint32_t be = htonl(host_ip);
	memcpy(a, &be, 4);
	return put_attr(b, off, type, a, sizeof a);
}

static size_t nest_start(uint8_t *b, size_t off, uint16_t type)
{
	struct nlattr *a = (struct nlattr *)(b + off);
	a->nla_type = type | NLA_F_NESTED;
	a->nla_len = 0;
	return off + NLA_HDRLEN;
}

static void nest_end(uint8_t *b, size_t start, size_t end)
{
	((struct nlattr *)(b + start))->nla_len = (uint16_t)(end - start);
}

/* Service identity: AF, PROTOCOL, ADDR, PORT (network order). */
static size_t put_svc_ident(uint8_t *b, size_t off, const struct op *o)
{
	off = put_u16(b, off, IPVS_SVC_ATTR_AF, AF_INET);
	off = put_u16(b, off, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	off = put_addr4(b, off, IPVS_SVC_ATTR_ADDR, o->vip);
	off = put_u16(b, off, IPVS_SVC_ATTR_PORT, htons(o->vport));
	return off;
}

/* Encode one request at b (which must have MAX_MSG_BYTES room); returns its length. */
static size_t encode_op(uint8_t *b, const struct op *o, uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b;
	struct genlmsghdr *g = (struct genlmsghdr *)(b + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, n;

	nlh->nlmsg_type = (uint16_t)family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	g->cmd = o->cmd;
	g->version = IPVS_GENL_VERSION;
	g->reserved = 0;

	switch (o->cmd) {
	case IPVS_CMD_NEW_SERVICE: {
		struct ip_vs_flags fl = { .flags = 0, .mask = 0xffffffffu };
		uint32_t mask_be = htonl(0xffffffffu);
		n = off;
		off = nest_start(b, off, IPVS_CMD_ATTR_SERVICE);
		off = put_svc_ident(b, off, o);
		off = put_attr(b, off, IPVS_SVC_ATTR_SCHED_NAME, "wlc", 4);
		off = put_attr(b, off, IPVS_SVC_ATTR_FLAGS, &fl, sizeof fl);
		off = put_u32(b, off, IPVS_SVC_ATTR_TIMEOUT, 0);
		off = put_u32(b, off, IPVS_SVC_ATTR_NETMASK, mask_be);
		nest_end(b, n, off);
		break;
	}
	case IPVS_CMD_DEL_SERVICE:
		n = off;
		off = nest_start(b, off, IPVS_CMD_ATTR_SERVICE);
		off = put_svc_ident(b, off, o);
		nest_end(b, n, off);
		break;
	case IPVS_CMD_NEW_DEST:
	case IPVS_CMD_SET_DEST:
	case IPVS_CMD_DEL_DEST:
		n = off;
		off = nest_start(b, off, IPVS_CMD_ATTR_SERVICE);
		off = put_svc_ident(b, off, o);
		nest_end(b, n, off);
		n = off;
		off = nest_start(b, off, IPVS_CMD_ATTR_DEST);
		off = put_addr4(b, off, IPVS_DEST_ATTR_ADDR, o->rip);
		off = put_u16(b, off, IPVS_DEST_ATTR_PORT, htons(o->rport));
		if (o->cmd != IPVS_CMD_DEL_DEST) {
			off = put_u32(b, off, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
			off = put_u32(b, off, IPVS_DEST_ATTR_WEIGHT, o->weight);
			off = put_u32(b, off, IPVS_DEST_ATTR_U_THRESH, 0);
			off = put_u32(b, off, IPVS_DEST_ATTR_L_THRESH, 0);
		}
		nest_end(b, n, off);
		break;
	case IPVS_CMD_FLUSH:
	default:
		break;
	}
	nlh->nlmsg_len = (uint32_t)off;
	return off;
}

/* ------------------------------------------------------------------------ */
/* Socket I/O                                                                */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *g_mode = "baseline";

static void die_sys(const char *what, int err)
{
	fprintf(stderr, "baseline %s: %s: errno %d (%s)\n", g_mode, what, err, strerror(err));
	exit(1);
}

static void send_buf(const uint8_t *b, size_t len, const char *what)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct iovec iov = { .iov_base = (void *)b, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &kernel, .msg_namelen = sizeof kernel,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	for (;;) {
		ssize_t r = sendmsg(fd, &mh, 0);
		if (r >= 0)
			return;
		if (errno == EINTR)
			continue;
		die_sys(what, errno);
	}
}

/* One datagram into rbuf; returns its length. Dies on socket errors (ENOBUFS = lost replies). */
static size_t recv_one(const char *what)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = rbuf, .iov_len = RECV_BUF_BYTES };
	struct msghdr mh = {
		.msg_name = &from, .msg_namelen = sizeof from,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	for (;;) {
		ssize_t r = recvmsg(fd, &mh, 0);
		if (r >= 0) {
			if (mh.msg_flags & MSG_TRUNC) {
				fprintf(stderr, "baseline %s: %s: reply truncated\n", g_mode, what);
				exit(1);
			}
			return (size_t)r;
		}
		if (errno == EINTR)
			continue;
		die_sys(errno == ENOBUFS ? "receive queue overflowed (replies lost)" : what, errno);
	}
}

/*
 * Encode up to k ops from ops[0..n) - stopping early once the next message
 * would push the chunk past chunk_bytes - into one buffer, set NLM_F_ACK on
 * the last one only, send it with one sendmsg, and read replies until the
 * last message's ack (or error) arrives.  Errors of earlier messages arrive
 * before it and are reported to stderr.  *used = number of ops sent.
 * Returns the number of failed ops.
 */
static int run_chunk(const struct op *ops, size_t n, int k, size_t *used)
{
	size_t len = 0, last_off = 0;
	int cnt = 0;
	uint32_t first = next_seq;
	while ((size_t)cnt < n && cnt < k) {
		size_t l = encode_op(sbuf + len, &ops[cnt], first + cnt, 0);
		if (cnt > 0 && len + l > chunk_bytes)
			break; /* drop it: it goes into the next chunk */
		last_off = len;
		len += l;
		cnt++;
	}
	((struct nlmsghdr *)(sbuf + last_off))->nlmsg_flags |= NLM_F_ACK;
	next_seq += cnt;
	uint32_t last = next_seq - 1;
	if (used)
		*used = cnt;

	send_buf(sbuf, len, "sendmsg");

	int failed = 0, done = 0;
	while (!done) {
		size_t got = recv_one("recvmsg");
		int left = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue; /* nothing else is expected for these requests */
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			uint32_t seq = h->nlmsg_seq;
			if (seq < first || seq > last)
				continue; /* stale reply from an earlier exchange */
			if (e->error != 0) {
				if (failed < MAX_ERR_LINES) {
					char d[128];
					int err = -e->error;
					describe_op(&ops[seq - first], d, sizeof d);
					fprintf(stderr, "baseline %s: op #%u %s failed: errno %d (%s)\n",
						g_mode, seq, d, err, strerror(err));
				}
				failed++;
			}
			if (seq == last)
				done = 1;
		}
	}
	if (failed > MAX_ERR_LINES)
		fprintf(stderr, "baseline %s: ... %d more failed ops in this chunk\n", g_mode,
			failed - MAX_ERR_LINES);
	return failed;
}

/* One request, NLM_F_ACK, wait for its ack. Returns nonzero on failure. */
static int run_one(const struct op *o)
{
	return run_chunk(o, 1, 1, NULL);
}

/* Run ops in chunks of at most k messages and chunk_bytes bytes. Returns failures. */
static int run_batched(const struct op *ops, size_t n, int k)
{
	size_t i = 0;
	while (i < n) {
		size_t used;
		int failed = run_chunk(ops + i, n - i, k, &used);
		if (failed)
			return failed;
		i += used;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Attribute parsing                                                         */

static void parse_attrs(const struct nlattr **tb, int max, const void *data, int len)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	const struct nlattr *a = data;
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
		int t = a->nla_type & NLA_TYPE_MASK;
		if (t <= max)
			tb[t] = a;
		int step = NLA_ALIGN(a->nla_len);
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

static inline const void *adata(const struct nlattr *a) { return (const char *)a + NLA_HDRLEN; }
static inline int alen(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }

static uint16_t get_u16(const struct nlattr *a)
{
	uint16_t v = 0;
	if (a && alen(a) >= 2) memcpy(&v, adata(a), 2);
	return v;
}
static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v = 0;
	if (a && alen(a) >= 4) memcpy(&v, adata(a), 4);
	return v;
}
static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v = 0;
	if (a && alen(a) >= 8) memcpy(&v, adata(a), 8);
	return v;
}

struct stats64 {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes, cps, inpps, outpps, inbps, outbps;
};

static void parse_stats64(const struct nlattr *nest, struct stats64 *s)
{
	const struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];
	memset(s, 0, sizeof *s);
	if (!nest)
		return;
	parse_attrs(tb, IPVS_STATS_ATTR_MAX, adata(nest), alen(nest));
	s->conns = get_u64(tb[IPVS_STATS_ATTR_CONNS]);
	s->inpkts = get_u64(tb[IPVS_STATS_ATTR_INPKTS]);
	s->outpkts = get_u64(tb[IPVS_STATS_ATTR_OUTPKTS]);
	s->inbytes = get_u64(tb[IPVS_STATS_ATTR_INBYTES]);
	s->outbytes = get_u64(tb[IPVS_STATS_ATTR_OUTBYTES]);
	s->cps = get_u64(tb[IPVS_STATS_ATTR_CPS]);
	s->inpps = get_u64(tb[IPVS_STATS_ATTR_INPPS]);
	s->outpps = get_u64(tb[IPVS_STATS_ATTR_OUTPPS]);
	s->inbps = get_u64(tb[IPVS_STATS_ATTR_INBPS]);
	s->outbps = get_u64(tb[IPVS_STATS_ATTR_OUTBPS]);
}

struct svc {
	uint16_t af, protocol, port;     /* port in host order */
	uint8_t  addr[16];
	uint32_t fwmark, flags, timeout, netmask;
	char     sched[IP_VS_SCHEDNAME_MAXLEN];
	char     pe[IP_VS_PENAME_MAXLEN];
	struct stats64 stats;
};

struct dst {
	uint16_t af, port;
	uint8_t  addr[16];
	uint32_t fwd, weight, uthresh, lthresh, active, inactive, persist;
	uint8_t  tun_type;
	uint16_t tun_port, tun_flags;
	struct stats64 stats;
};

static void copy_str(char *dst, size_t n, const struct nlattr *a)
{
	dst[0] = 0;
	if (!a) return;
	size_t l = (size_t)alen(a);
	if (l >= n) l = n - 1;
	memcpy(dst, adata(a), l);
	dst[l] = 0;
}

static void copy_addr(uint8_t out[16], const struct nlattr *a)
{
	memset(out, 0, 16);
	if (!a) return;
	int l = alen(a);
	memcpy(out, adata(a), l > 16 ? 16 : l);
}

static int parse_svc(const struct nlattr *nest, struct svc *s)
{
	const struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	if (!nest) return -1;
	parse_attrs(tb, IPVS_SVC_ATTR_MAX, adata(nest), alen(nest));
	if (!tb[IPVS_SVC_ATTR_AF]) return -1;
	s->af = get_u16(tb[IPVS_SVC_ATTR_AF]);
	s->protocol = get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
	copy_addr(s->addr, tb[IPVS_SVC_ATTR_ADDR]);
	s->port = ntohs(get_u16(tb[IPVS_SVC_ATTR_PORT]));
	s->fwmark = get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
	copy_str(s->sched, sizeof s->sched, tb[IPVS_SVC_ATTR_SCHED_NAME]);
	copy_str(s->pe, sizeof s->pe, tb[IPVS_SVC_ATTR_PE_NAME]);
	s->flags = get_u32(tb[IPVS_SVC_ATTR_FLAGS]);     /* first u32 of ip_vs_flags */
	s->timeout = get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	s->netmask = get_u32(tb[IPVS_SVC_ATTR_NETMASK]);
	parse_stats64(tb[IPVS_SVC_ATTR_STATS64], &s->stats);
	return 0;
}

static int parse_dst(const struct nlattr *nest, uint16_t svc_af, struct dst *d)
{
	const struct nlattr *tb[IPVS_DEST_ATTR_MAX + 1];
	if (!nest) return -1;
	parse_attrs(tb, IPVS_DEST_ATTR_MAX, adata(nest), alen(nest));
	if (!tb[IPVS_DEST_ATTR_ADDR] || !tb[IPVS_DEST_ATTR_PORT]) return -1;
	copy_addr(d->addr, tb[IPVS_DEST_ATTR_ADDR]);
	d->af = tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	d->port = ntohs(get_u16(tb[IPVS_DEST_ATTR_PORT]));
	d->fwd = get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
	d->weight = get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
	d->uthresh = get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
	d->lthresh = get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
	d->active = get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	d->inactive = get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
	d->persist = get_u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
	d->tun_type = tb[IPVS_DEST_ATTR_TUN_TYPE] && alen(tb[IPVS_DEST_ATTR_TUN_TYPE]) >= 1
		? *(const uint8_t *)adata(tb[IPVS_DEST_ATTR_TUN_TYPE]) : 0;
	d->tun_port = ntohs(get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
	d->tun_flags = get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
	parse_stats64(tb[IPVS_DEST_ATTR_STATS64], &d->stats);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Dumps                                                                     */

static volatile uint64_t sink; /* keeps the parsed results observable */

struct svc_list { struct svc *v; size_t n, cap; };

/*
 * Read one dump (request already sent with sequence seq) to NLMSG_DONE.
 * For GET_SERVICE replies, appends to list; for GET_DEST, counts dests.
 * Returns 0, or the kernel errno.
 */
static int read_dump(uint32_t seq, int want_cmd, struct svc_list *list, uint16_t svc_af,
		     size_t *ndests)
{
	for (;;) {
		size_t got = recv_one("recvmsg (dump)");
		int left = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = 0;
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(h), sizeof err);
				return err < 0 ? -err : 0;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
					return EPROTO;
				if (e->error)
					return -e->error;
				continue;
			}
			if (h->nlmsg_type != family)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				continue;
			const struct genlmsghdr *g = NLMSG_DATA(h);
			if (g->cmd != want_cmd)
				continue;
			const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
			parse_attrs(tb, IPVS_CMD_ATTR_MAX, (const char *)g + GENL_HDRLEN,
				    (int)(h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)));
			if (want_cmd == IPVS_CMD_NEW_SERVICE) {
				if (list->n == list->cap) {
					list->cap = list->cap ? list->cap * 2 : 1024;
					list->v = realloc(list->v, list->cap * sizeof *list->v);
					if (!list->v) die_sys("realloc", ENOMEM);
				}
				if (parse_svc(tb[IPVS_CMD_ATTR_SERVICE], &list->v[list->n]) == 0)
					list->n++;
			} else {
				struct dst d;
				if (parse_dst(tb[IPVS_CMD_ATTR_DEST], svc_af, &d) == 0) {
					(*ndests)++;
					sink += d.weight + d.port + d.fwd + d.addr[3] + d.stats.conns;
				}
			}
		}
	}
}

static size_t encode_dump(uint8_t *b, int cmd, const struct svc *s, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b;
	struct genlmsghdr *g = (struct genlmsghdr *)(b + NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = (uint16_t)family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	g->cmd = (uint8_t)cmd;
	g->version = IPVS_GENL_VERSION;
	g->reserved = 0;
	if (s) {
		size_t n = off;
		off = nest_start(b, off, IPVS_CMD_ATTR_SERVICE);
		off = put_u16(b, off, IPVS_SVC_ATTR_AF, s->af);
		if (s->fwmark) {
			off = put_u32(b, off, IPVS_SVC_ATTR_FWMARK, s->fwmark);
		} else {
			off = put_u16(b, off, IPVS_SVC_ATTR_PROTOCOL, s->protocol);
			off = put_attr(b, off, IPVS_SVC_ATTR_ADDR, s->addr, 16);
			off = put_u16(b, off, IPVS_SVC_ATTR_PORT, htons(s->port));
		}
		nest_end(b, n, off);
	}
	nlh->nlmsg_len = (uint32_t)off;
	return off;
}

/* ------------------------------------------------------------------------ */
/* Setup and command line                                                    */

static struct nl_sock *nlsock;

static void setup(const char *netns)
{
	if (netns) {
		int nfd = open(netns, O_RDONLY | O_CLOEXEC);
		if (nfd < 0) die_sys("open --netns", errno);
		if (setns(nfd, CLONE_NEWNET) < 0) die_sys("setns", errno);
		close(nfd);
	}
	nlsock = nl_socket_alloc();
	if (!nlsock) die_sys("nl_socket_alloc", ENOMEM);
	int r = genl_connect(nlsock);
	if (r < 0) {
		fprintf(stderr, "baseline %s: genl_connect: %s\n", g_mode, nl_geterror(r));
		exit(1);
	}
	family = genl_ctrl_resolve(nlsock, IPVS_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "baseline %s: resolving genl family IPVS: %s (is ip_vs loaded?)\n",
			g_mode, nl_geterror(family));
		exit(1);
	}
	fd = nl_socket_get_fd(nlsock);

	int v = SNDBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof v) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	v = RCVBUF_BYTES;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	v = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &v, sizeof v); /* best effort, 4.3+ */

	sbuf = malloc(chunk_bytes + MAX_MSG_BYTES);
	rbuf = malloc(RECV_BUF_BYTES);
	if (!sbuf || !rbuf) die_sys("malloc", ENOMEM);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: baseline apply --services N --dests M --mode single|batch [--chunk K] [--netns PATH]\n"
		"       baseline churn --services N --dests M [--chunk K] [--netns PATH]\n"
		"       baseline latency --samples S [--netns PATH]\n"
		"       baseline dump [--netns PATH]\n"
		"       baseline flush [--netns PATH]\n");
	exit(2);
}

static long parse_num(const char *s, long min, long max, const char *opt)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "baseline: %s must be an integer in [%ld, %ld]\n", opt, min, max);
		exit(2);
	}
	return v;
}

#define SVC_BASE  0x0a000001u   /* 10.0.0.1 */
#define DST_BASE  0x0a010001u   /* 10.1.0.1 */
#define PORT      80

static struct op svc_op(int cmd, uint32_t i)
{
	struct op o = { .cmd = (uint8_t)cmd, .vport = PORT, .vip = SVC_BASE + i };
	return o;
}

static struct op dst_op(int cmd, uint32_t i, uint32_t rip, uint32_t weight)
{
	struct op o = { .cmd = (uint8_t)cmd, .vport = PORT, .vip = SVC_BASE + i,
			.rport = PORT, .rip = rip, .weight = weight };
	return o;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, size_t n, double p)
{
	size_t rank = (size_t)(p * n + 0.999999999);
	if (rank < 1) rank = 1;
	if (rank > n) rank = n;
	return v[rank - 1];
}

int main(int argc, char **argv)
{
	if (argc < 2) usage();
	const char *mode = argv[1];
	long services = -1, dests = -1, chunk = MAX_CHUNK_MSGS, samples = -1;
	const char *apply_mode = NULL, *netns = NULL;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc) usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--services")) services = parse_num(v, 1, 0xffffff, a);
		else if (!strcmp(a, "--dests")) dests = parse_num(v, 0, 254, a);
		else if (!strcmp(a, "--chunk")) chunk = parse_num(v, 1, MAX_CHUNK_MSGS, a);
		else if (!strcmp(a, "--samples")) samples = parse_num(v, 1, 100000000, a);
		else if (!strcmp(a, "--mode")) apply_mode = v;
		else if (!strcmp(a, "--netns")) netns = v;
		else usage();
	}
	const char *cb = getenv("BASELINE_CHUNK_BYTES");
	if (cb && *cb)
		chunk_bytes = (size_t)parse_num(cb, 1024, 64L * 1024 * 1024, "BASELINE_CHUNK_BYTES");
	g_mode = mode;

	if (!strcmp(mode, "apply")) {
		if (services < 0 || dests < 0 || !apply_mode) usage();
		int single;
		if (!strcmp(apply_mode, "single")) single = 1;
		else if (!strcmp(apply_mode, "batch")) single = 0;
		else usage();

		size_t nops = (size_t)services * (1 + (size_t)dests), k = 0;
		struct op *ops = malloc(nops * sizeof *ops);
		if (!ops) die_sys("malloc", ENOMEM);
		for (uint32_t i = 0; i < (uint32_t)services; i++) {
			ops[k++] = svc_op(IPVS_CMD_NEW_SERVICE, i);
			for (uint32_t j = 0; j < (uint32_t)dests; j++)
				ops[k++] = dst_op(IPVS_CMD_NEW_DEST, i, DST_BASE + j, 1);
		}
		setup(netns);
		double t0 = now_s();
		if (single) {
			for (size_t i = 0; i < nops; i++)
				if (run_one(&ops[i]))
					return 1;
		} else if (run_batched(ops, nops, (int)chunk)) {
			return 1;
		}
		double t1 = now_s();
		printf("{\"mode\":\"%s\",\"ops\":%zu,\"seconds\":%.6f}\n", apply_mode, nops, t1 - t0);
		return 0;
	}

	if (!strcmp(mode, "churn")) {
		if (services < 0 || dests < 0) usage();
		if (services < 1000 || dests < 2) {
			fprintf(stderr, "baseline churn: needs --services >= 1000 and --dests >= 2\n");
			return 2;
		}
		struct op ops[1200];
		size_t k = 0;
		for (uint32_t i = 0; i < 1000; i++)
			ops[k++] = dst_op(IPVS_CMD_SET_DEST, i, DST_BASE + 0, 2);
		for (uint32_t i = 0; i < 100; i++)
			ops[k++] = dst_op(IPVS_CMD_DEL_DEST, i, DST_BASE + 1, 0);
		for (uint32_t i = 0; i < 100; i++)
			ops[k++] = dst_op(IPVS_CMD_NEW_DEST, i, 0x0a010101u /* 10.1.1.1 */, 1);
		setup(netns);
		double t0 = now_s();
		if (run_batched(ops, k, (int)chunk))
			return 1;
		double t1 = now_s();
		printf("{\"mode\":\"churn\",\"ops\":%zu,\"seconds\":%.6f}\n", k, t1 - t0);
		return 0;
	}

	if (!strcmp(mode, "latency")) {
		if (samples < 0) usage();
		const uint32_t vip = 0x0aff0001u; /* 10.255.0.1 */
		struct op svc = { .cmd = IPVS_CMD_NEW_SERVICE, .vport = PORT, .vip = vip };
		struct op add = { .cmd = IPVS_CMD_NEW_DEST, .vport = PORT, .vip = vip,
				  .rport = PORT, .rip = DST_BASE, .weight = 1 };
		struct op del = add;
		del.cmd = IPVS_CMD_DEL_DEST;
		size_t n = (size_t)samples * 2;
		double *us = malloc(n * sizeof *us);
		if (!us) die_sys("malloc", ENOMEM);
		setup(netns);
		if (run_one(&svc))
			return 1;
		for (size_t i = 0; i < (size_t)samples; i++) {
			double t0 = now_s();
			if (run_one(&add)) return 1;
			double t1 = now_s();
			if (run_one(&del)) return 1;
			double t2 = now_s();
			us[2 * i] = (t1 - t0) * 1e6;
			us[2 * i + 1] = (t2 - t1) * 1e6;
		}
		svc.cmd = IPVS_CMD_DEL_SERVICE;
		if (run_one(&svc))
			return 1;
		double sum = 0;
		for (size_t i = 0; i < n; i++) sum += us[i];
		qsort(us, n, sizeof *us, cmp_double);
		printf("{\"mode\":\"latency\",\"samples\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,"
		       "\"mean_us\":%.1f}\n", samples, pct(us, n, 0.50), pct(us, n, 0.99), sum / n);
		return 0;
	}

	if (!strcmp(mode, "dump")) {
		struct svc_list list = { 0 };
		size_t ndests = 0;
		uint8_t req[MAX_MSG_BYTES];
		setup(netns);
		double t0 = now_s();
		uint32_t seq = next_seq++;
		send_buf(req, encode_dump(req, IPVS_CMD_GET_SERVICE, NULL, seq), "sendmsg GET_SERVICE");
		int err = read_dump(seq, IPVS_CMD_NEW_SERVICE, &list, 0, NULL);
		if (err) {
			fprintf(stderr, "baseline dump: GET_SERVICE dump failed: errno %d (%s)\n",
				err, strerror(err));
			return 1;
		}
		for (size_t i = 0; i < list.n; i++) {
			seq = next_seq++;
			send_buf(req, encode_dump(req, IPVS_CMD_GET_DEST, &list.v[i], seq),
				 "sendmsg GET_DEST");
			err = read_dump(seq, IPVS_CMD_NEW_DEST, NULL, list.v[i].af, &ndests);
			if (err) {
				fprintf(stderr, "baseline dump: GET_DEST dump of service #%zu (port %u) "
					"failed: errno %d (%s)\n", i, list.v[i].port, err, strerror(err));
				return 1;
			}
			sink += list.v[i].port + list.v[i].flags + (uint8_t)list.v[i].sched[0];
		}
		double t1 = now_s();
		printf("{\"mode\":\"dump\",\"services\":%zu,\"dests\":%zu,\"seconds\":%.6f}\n",
		       list.n, ndests, t1 - t0);
		return 0;
	}

	if (!strcmp(mode, "flush")) {
		struct op f = { .cmd = IPVS_CMD_FLUSH };
		setup(netns);
		if (run_one(&f))
			return 1;
		printf("{\"mode\":\"flush\"}\n");
		return 0;
	}

	usage();
	return 2;
}
