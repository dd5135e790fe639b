/* Seamless data transmission: the relay network view and the per-task
 * decision (PAPERS §11.3; rules in include/fluidai/relay.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/common.h"
#include "fluidai/relay.h"

void fai_relay_net_free(fai_relay_net *net) {
  free(net->win_off);
  free(net->win_rise_s);
  free(net->win_set_s);
  free(net->link_a);
  free(net->link_b);
  free(net->link_inter);
  free(net->t_s);
  free(net->rtt_s);
  memset(net, 0, sizeof *net);
}

fai_status fai_relay_net_alloc(fai_relay_net *net, int n_sats, int n_win, int n_links, int n_snaps,
                               fai_error *err) {
  memset(net, 0, sizeof *net);
  if (n_sats < 1 || n_win < 0 || n_links < 0 || n_snaps < 1)
    return fai_error_set(err, FAI_EINVAL, "relay net: %d satellites, %d windows, %d links, %d "
                         "snapshots", n_sats, n_win, n_links, n_snaps);
  net->n_sats = n_sats;
  net->n_links = n_links;
  net->n_snaps = n_snaps;
  net->win_off = calloc((size_t)n_sats + 1, sizeof *net->win_off);
  net->win_rise_s = calloc((size_t)n_win + 1, sizeof *net->win_rise_s);
  net->win_set_s = calloc((size_t)n_win + 1, sizeof *net->win_set_s);
  net->link_a = calloc((size_t)n_links + 1, sizeof *net->link_a);
  net->link_b = calloc((size_t)n_links + 1, sizeof *net->link_b);
  net->link_inter = calloc((size_t)n_links + 1, sizeof *net->link_inter);
  net->t_s = calloc((size_t)n_snaps, sizeof *net->t_s);
  net->rtt_s = calloc((size_t)n_snaps * (size_t)n_links + 1, sizeof *net->rtt_s);
  if (!net->win_off || !net->win_rise_s || !net->win_set_s || !net->link_a || !net->link_b ||
      !net->link_inter || !net->t_s || !net->rtt_s) {
    fai_relay_net_free(net);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  net->win_off[n_sats] = n_win;
  return FAI_OK;
}

fai_status fai_relay_net_from_timeline(const fai_timeline *tl, int station, fai_relay_net *net,
                                       fai_error *err) {
  if (station < 0 || station >= tl->n_stations)
    return fai_error_set(err, FAI_EINVAL, "station index %d; the timeline has %d", station,
                         tl->n_stations);
  int n_win = 0;
  for (size_t c = 0; c < tl->n_contacts; c++) n_win += tl->contacts[c].station == station;
  fai_status st = fai_relay_net_alloc(net, tl->n_sats, n_win, tl->n_links, tl->n_snaps, err);
  if (st != FAI_OK) return st;
  /* contacts are sorted by station, satellite, rise */
  int k = 0;
  for (int i = 0; i < tl->n_sats; i++) {
    net->win_off[i] = k;
    for (size_t c = 0; c < tl->n_contacts; c++) {
      const fai_contact *ct = &tl->contacts[c];
      if (ct->station != station || ct->sat != i) continue;
      net->win_rise_s[k] = ct->rise_s;
      net->win_set_s[k] = ct->set_s;
      k++;
    }
  }
  net->win_off[tl->n_sats] = k;
  for (int l = 0; l < tl->n_links; l++) {
    net->link_a[l] = tl->link_a[l];
    net->link_b[l] = tl->link_b[l];
    net->link_inter[l] = tl->link_inter[l];
  }
  for (int t = 0; t < tl->n_snaps; t++) {
    net->t_s[t] = tl->t_s[t];
    for (int l = 0; l < tl->n_links; l++) {
      const size_t q = (size_t)t * tl->n_links + l;
      net->rtt_s[q] = tl->link_alive[q] ? 2 * tl->link_dist[q] / FAI_C_M_S : 0;
    }
  }
  return FAI_OK;
}

double fai_relay_remaining(const fai_relay_net *net, int sat, double t_s) {
  for (int w = net->win_off[sat]; w < net->win_off[sat + 1]; w++)
    if (net->win_rise_s[w] <= t_s && t_s < net->win_set_s[w]) return net->win_set_s[w] - t_s;
  return 0;
}

int fai_relay_snapshot(const fai_relay_net *net, double t_s) {
  int lo = 0, hi = net->n_snaps - 1;
  if (t_s < net->t_s[0]) return 0;
  while (lo < hi) { /* last index with t_s[k] <= t */
    const int mid = (lo + hi + 1) / 2;
    if (net->t_s[mid] <= t_s) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

void fai_relay_params_init(fai_relay_params *p) {
  p->ground_rate_bps = 10e6;
  p->ground_loss = 1;
  p->isl_window_bits = 1e6;
  p->isl_loss = 1;
  p->ground_exec_s = 0.05;
  p->local_exec_s = 0.5;
}

fai_status fai_relay_params_check(const fai_relay_params *p, fai_error *err) {
  if (!(p->ground_rate_bps > 0) || !isfinite(p->ground_rate_bps))
    return fai_error_set(err, FAI_EINVAL, "ground rate %g bps; expected > 0", p->ground_rate_bps);
  if (!(p->ground_loss > 0) || !isfinite(p->ground_loss))
    return fai_error_set(err, FAI_EINVAL, "ground loss factor %g; expected > 0", p->ground_loss);
  if (!(p->isl_window_bits > 0) || !isfinite(p->isl_window_bits))
    return fai_error_set(err, FAI_EINVAL, "ISL window %g bits; expected > 0", p->isl_window_bits);
  if (!(p->isl_loss > 0) || !isfinite(p->isl_loss))
    return fai_error_set(err, FAI_EINVAL, "ISL loss factor %g; expected > 0", p->isl_loss);
  if (!(p->ground_exec_s >= 0) || !isfinite(p->ground_exec_s) || !(p->local_exec_s >= 0) ||
      !isfinite(p->local_exec_s))
    return fai_error_set(err, FAI_EINVAL, "execution times %g s (ground), %g s (local); expected "
                         ">= 0", p->ground_exec_s, p->local_exec_s);
  return FAI_OK;
}

const char *fai_relay_choice_name(fai_relay_choice c) {
  switch (c) {
    case FAI_RELAY_DIRECT: return "direct";
    case FAI_RELAY_SAME_ORBIT: return "same-orbit";
    case FAI_RELAY_OTHER_ORBIT: return "other-orbit";
    case FAI_RELAY_LOCAL: return "local";
  }
  return "?";
}

static double payload(const fai_relay_task *t) {
  return t->result_returns ? t->input_bits + t->result_bits : t->input_bits;
}

double fai_relay_direct_delay(const fai_relay_params *p, const fai_relay_task *t) {
  const double d = payload(t) * p->ground_loss / p->ground_rate_bps;
  return t->result_returns ? d + p->ground_exec_s : d;
}

double fai_relay_relay_delay(const fai_relay_params *p, const fai_relay_task *t, double rtt_s) {
  const double k = p->isl_window_bits / rtt_s;
  const double rate = k < p->ground_rate_bps ? k : p->ground_rate_bps;
  const double d = payload(t) * (p->isl_loss + p->ground_loss) / rate;
  return t->result_returns ? d + p->ground_exec_s : d;
}

static int cmp_arrival(const void *a, const void *b, const fai_relay_task *tasks) {
  const int i = *(const int *)a, j = *(const int *)b;
  if (tasks[i].t0_s != tasks[j].t0_s) return tasks[i].t0_s < tasks[j].t0_s ? -1 : 1;
  return (i > j) - (i < j);
}

/* Insertion-free stable order: merge sort on indices (qsort has no context). */
static void sort_idx(int *idx, int *tmp, int n, const fai_relay_task *tasks) {
  if (n < 2) return;
  const int h = n / 2;
  sort_idx(idx, tmp, h, tasks);
  sort_idx(idx + h, tmp, n - h, tasks);
  int a = 0, b = h, k = 0;
  while (a < h && b < n) tmp[k++] = cmp_arrival(&idx[b], &idx[a], tasks) < 0 ? idx[b++] : idx[a++];
  while (a < h) tmp[k++] = idx[a++];
  while (b < n) tmp[k++] = idx[b++];
  memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

fai_status fai_relay_decide(const fai_relay_net *net, const fai_relay_params *p,
                            const fai_relay_task *tasks, int n, fai_relay_decision *out,
                            fai_error *err) {
  fai_status st = fai_relay_params_check(p, err);
  if (st != FAI_OK) return st;
  for (int k = 0; k < n; k++) {
    const fai_relay_task *t = &tasks[k];
    if (t->sat < 0 || t->sat >= net->n_sats)
      return fai_error_set(err, FAI_EINVAL, "task %d: satellite %d; the constellation has %d (0..%d)",
                           k, t->sat, net->n_sats, net->n_sats - 1);
    if (!(t->t0_s >= 0) || !isfinite(t->t0_s) || !(t->input_bits >= 0) || !isfinite(t->input_bits) ||
        !(t->result_bits >= 0) || !isfinite(t->result_bits))
      return fai_error_set(err, FAI_EINVAL, "task %d: t0 %g s, input %g bits, result %g bits; "
                           "expected finite numbers >= 0", k, t->t0_s, t->input_bits, t->result_bits);
  }
  int *idx = malloc(((size_t)n + 1) * sizeof *idx), *tmp = malloc(((size_t)n + 1) * sizeof *tmp);
  double *busy = malloc((size_t)net->n_sats * sizeof *busy);
  if (!idx || !tmp || !busy) {
    free(idx);
    free(tmp);
    free(busy);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int k = 0; k < n; k++) idx[k] = k;
  sort_idx(idx, tmp, n, tasks);
  for (int i = 0; i < net->n_sats; i++) busy[i] = -INFINITY;
  for (int q = 0; q < n; q++) {
    const int k = idx[q];
    const fai_relay_task *t = &tasks[k];
    fai_relay_decision *d = &out[k];
    const int i = t->sat;
    d->remaining_s = fai_relay_remaining(net, i, t->t0_s);
    d->direct_s = fai_relay_direct_delay(p, t);
    d->relay = -1;
    d->relay_remaining_s = NAN;
    if (d->direct_s <= d->remaining_s) {
      d->choice = FAI_RELAY_DIRECT;
      d->delay_s = d->direct_s;
      /* i may still be relaying another satellite's task past this one's end */
      if (t->t0_s + d->delay_s > busy[i]) busy[i] = t->t0_s + d->delay_s;
      continue;
    }
    const int s = fai_relay_snapshot(net, t->t0_s);
    /* pass 0: same orbit (intra-plane ISLs), pass 1: other orbits */
    for (int pass = 0; pass < 2 && d->relay < 0; pass++) {
      double best = INFINITY;
      int bj = -1;
      double brem = NAN;
      for (int l = 0; l < net->n_links; l++) {
        if (net->link_inter[l] != pass) continue;
        const int j = net->link_a[l] == i ? net->link_b[l] : net->link_b[l] == i ? net->link_a[l] : -1;
        if (j < 0) continue;
        const double rtt = net->rtt_s[(size_t)s * net->n_links + l];
        if (!(rtt > 0)) continue;             /* link down */
        if (busy[j] > t->t0_s) continue;      /* not idle */
        const double rem = fai_relay_remaining(net, j, t->t0_s);
        const double dj = fai_relay_relay_delay(p, t, rtt);
        if (dj <= rem && (dj < best || (dj == best && j < bj))) {
          best = dj;
          bj = j;
          brem = rem;
        }
      }
      if (bj >= 0) {
        d->choice = pass ? FAI_RELAY_OTHER_ORBIT : FAI_RELAY_SAME_ORBIT;
        d->relay = bj;
        d->delay_s = best;
        d->relay_remaining_s = brem;
        busy[bj] = t->t0_s + best;
      }
    }
    if (d->relay < 0) {
      d->choice = FAI_RELAY_LOCAL;
      d->delay_s = p->local_exec_s;
    }
  }
  free(idx);
  free(tmp);
  free(busy);
  return FAI_OK;
}
