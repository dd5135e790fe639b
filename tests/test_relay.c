/* Seamless transmission (PAPERS §11.3): hand-built tiny networks forcing each
 * of the four outcomes in cases I and II, idleness and link state, an
 * independent evaluation of every candidate on random networks and tasks,
 * remaining contact from a real timeline, and bad input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/relay.h"
#include "fluidai/rng.h"

typedef struct rnd {
  uint64_t seed, n;
} rnd;
static double ru(rnd *r) { return fai_rng_uniform(r->seed, FAI_STREAM_TEST, r->n++); }
static int ri(rnd *r, int lo, int hi) { return lo + (int)(ru(r) * (hi - lo + 1)); }

/* Satellites 0..3, every window [0, end[i]); links 0-1 intra-plane, 0-2 and
 * 0-3 inter-plane, with the given round-trip times (0: down). */
static void tiny_net(fai_relay_net *net, const double end[4], const double rtt[3]) {
  fai_error err;
  cr_assert_eq(fai_relay_net_alloc(net, 4, 4, 3, 1, &err), FAI_OK);
  for (int i = 0; i < 4; i++) {
    net->win_off[i] = i;
    net->win_rise_s[i] = 0;
    net->win_set_s[i] = end[i];
  }
  const int b[3] = {1, 2, 3};
  for (int l = 0; l < 3; l++) {
    net->link_a[l] = 0;
    net->link_b[l] = b[l];
    net->link_inter[l] = l > 0;
    net->rtt_s[l] = rtt[l];
  }
  net->t_s[0] = 0;
}

/* l = 1 Mbps, p = 1, C = 1e5 bits (k = 1e7 bps at 10 ms rtt), p_ij = 1,
 * c(m_e) = 0.5 s, c(m_i) = 2 s. */
static fai_relay_params tiny_params(void) {
  fai_relay_params p;
  fai_relay_params_init(&p);
  p.ground_rate_bps = 1e6;
  p.ground_loss = 1;
  p.isl_window_bits = 1e5;
  p.isl_loss = 1;
  p.ground_exec_s = 0.5;
  p.local_exec_s = 2;
  return p;
}

static fai_relay_decision decide1(const double end[4], const double rtt[3], double t_bits,
                                  int case_i) {
  fai_relay_net net;
  tiny_net(&net, end, rtt);
  fai_relay_params p = tiny_params();
  fai_relay_task t = {0, 1.0, t_bits, 1e6, case_i};
  fai_relay_decision d;
  fai_error err;
  cr_assert_eq(fai_relay_decide(&net, &p, &t, 1, &d, &err), FAI_OK, "%s", err.msg);
  fai_relay_net_free(&net);
  return d;
}

Test(relay, each_outcome_is_forced_in_case_ii) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  /* d = 5 s <= T_a = 10 s */
  fai_relay_decision d = decide1(open, rtt, 5e6, 0);
  cr_assert_eq(d.choice, FAI_RELAY_DIRECT);
  cr_assert_eq(d.delay_s, 5);
  cr_assert_eq(d.remaining_s, 10);
  cr_assert_eq(d.relay, -1);
  /* d = 20 > 10; same orbit: d' = 2e7 (1 + 1) / min(1e7, 1e6) = 40 <= 100 */
  d = decide1(open, rtt, 2e7, 0);
  cr_assert_eq(d.choice, FAI_RELAY_SAME_ORBIT);
  cr_assert_eq(d.relay, 1);
  cr_assert_eq(d.delay_s, 40);
  cr_assert_eq(d.relay_remaining_s, 100);
  /* the same-orbit neighbour's contact ends too soon (29 < 40); other orbit:
   * sat 2 at rtt 0.2 s (k = 5e5: d' = 80 <= 100), sat 3 at 10 ms (40 <= 60): the smaller */
  const double short1[4] = {11, 30, 101, 61};
  d = decide1(short1, rtt, 2e7, 0);
  cr_assert_eq(d.choice, FAI_RELAY_OTHER_ORBIT);
  cr_assert_eq(d.relay, 3);
  cr_assert_eq(d.delay_s, 40);
  /* sat 3's contact too short as well: sat 2 with 80 s */
  const double short3[4] = {11, 30, 101, 31};
  d = decide1(short3, rtt, 2e7, 0);
  cr_assert_eq(d.relay, 2);
  cr_assert_eq(d.delay_s, 80);
  /* nothing fits: local */
  const double closed[4] = {11, 30, 30, 30};
  d = decide1(closed, rtt, 2e7, 0);
  cr_assert_eq(d.choice, FAI_RELAY_LOCAL);
  cr_assert_eq(d.delay_s, 2);
  cr_assert_eq(d.relay, -1);
}

Test(relay, each_outcome_is_forced_in_case_i) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  /* d = (5e6 + 1e6)/1e6 + 0.5 = 6.5 */
  fai_relay_decision d = decide1(open, rtt, 5e6, 1);
  cr_assert_eq(d.choice, FAI_RELAY_DIRECT);
  cr_assert_eq(d.delay_s, 6.5);
  /* 9.5e6 bits: case II fits (9.5 s), case I does not (11 s) */
  cr_assert_eq(decide1(open, rtt, 9.5e6, 0).choice, FAI_RELAY_DIRECT);
  d = decide1(open, rtt, 9.5e6, 1);
  cr_assert_eq(d.choice, FAI_RELAY_SAME_ORBIT);
  cr_assert_eq(d.delay_s, 10.5e6 * 2 / 1e6 + 0.5);
  /* d' = 2.1e7 · 2 / 1e6 + 0.5 = 42.5 */
  d = decide1(open, rtt, 2e7, 1);
  cr_assert_eq(d.choice, FAI_RELAY_SAME_ORBIT);
  cr_assert_eq(d.delay_s, 42.5);
  const double short1[4] = {11, 30, 101, 61};
  d = decide1(short1, rtt, 2e7, 1);
  cr_assert_eq(d.choice, FAI_RELAY_OTHER_ORBIT);
  cr_assert_eq(d.relay, 3);
  cr_assert_eq(d.delay_s, 42.5);
  /* 42.5 > 41 s of sat 3, 84.5 <= 100 of sat 2 */
  const double short3[4] = {11, 30, 101, 42};
  d = decide1(short3, rtt, 2e7, 1);
  cr_assert_eq(d.relay, 2);
  cr_assert_eq(d.delay_s, 84.5);
  const double closed[4] = {11, 30, 30, 30};
  d = decide1(closed, rtt, 2e7, 1);
  cr_assert_eq(d.choice, FAI_RELAY_LOCAL);
  cr_assert_eq(d.delay_s, 2);
}

Test(relay, busy_neighbours_and_down_links_are_skipped) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  fai_relay_net net;
  tiny_net(&net, open, rtt);
  fai_relay_params p = tiny_params();
  /* listed out of order: decided in arrival order (t0 1, 1, 50, 0.5 → 3, 0, 1, 2) */
  fai_relay_task t[4] = {{0, 1, 2e7, 0, 0}, {0, 1, 2e7, 0, 0}, {0, 50, 2e7, 0, 0}, {1, 0.5, 1e6, 0, 0}};
  fai_relay_decision d[4];
  fai_error err;
  cr_assert_eq(fai_relay_decide(&net, &p, t, 4, d, &err), FAI_OK);
  cr_assert_eq(d[3].choice, FAI_RELAY_DIRECT); /* sat 1 sends its own task until 1.5 s */
  cr_assert_eq(d[0].choice, FAI_RELAY_OTHER_ORBIT); /* sat 1 busy at 1 s: sat 3 (40 s) */
  cr_assert_eq(d[0].relay, 3);
  cr_assert_eq(d[1].relay, 2);                 /* sat 3 busy until 41 s: sat 2 (80 s) */
  cr_assert_eq(d[2].choice, FAI_RELAY_SAME_ORBIT); /* at 50 s sat 0 is out of contact */
  cr_assert_eq(d[2].remaining_s, 0);
  cr_assert_eq(d[2].relay, 1);
  fai_relay_net_free(&net);
}

Test(relay, a_busy_same_orbit_neighbour_sends_the_next_task_elsewhere) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  fai_relay_net net;
  tiny_net(&net, open, rtt);
  fai_relay_params p = tiny_params();
  fai_relay_task t[3] = {{0, 1, 2e7, 0, 0}, {0, 1, 2e7, 0, 0}, {0, 41.5, 2e7, 0, 0}};
  fai_relay_decision d[3];
  fai_error err;
  cr_assert_eq(fai_relay_decide(&net, &p, t, 3, d, &err), FAI_OK);
  cr_assert_eq(d[0].relay, 1);  /* busy until 41 s */
  cr_assert_eq(d[1].choice, FAI_RELAY_OTHER_ORBIT);
  cr_assert_eq(d[1].relay, 3);  /* 40 s <= 100; sat 2 would take 80 */
  cr_assert_eq(d[2].relay, 1);  /* idle again at 41.5 s; 40 <= 59.5 */
  /* the intra-plane link down: the other orbit */
  net.rtt_s[0] = 0;
  cr_assert_eq(fai_relay_decide(&net, &p, t, 1, d, &err), FAI_OK);
  cr_assert_eq(d[0].choice, FAI_RELAY_OTHER_ORBIT);
  fai_relay_net_free(&net);
}

/* A satellite relaying another's task stays busy when it sends a short task
 * of its own directly: the direct send must not shorten its busy time (it
 * used to overwrite it, so sat 1 looked idle at 5 s although relaying until 41 s). */
Test(relay, a_direct_send_does_not_end_a_relay_in_progress) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  fai_relay_net net;
  tiny_net(&net, open, rtt);
  fai_relay_params p = tiny_params();
  /* A: sat 0 at 1 s, relayed by sat 1 until 41 s; B: sat 1's own 1 s direct send at 2 s;
   * C: sat 0 at 5 s needs a relay: sat 1 is still busy, so sat 3 (40 s <= 96) */
  fai_relay_task t[3] = {{0, 1, 2e7, 0, 0}, {1, 2, 1e6, 0, 0}, {0, 5, 2e7, 0, 0}};
  fai_relay_decision d[3];
  fai_error err;
  cr_assert_eq(fai_relay_decide(&net, &p, t, 3, d, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(d[0].choice, FAI_RELAY_SAME_ORBIT);
  cr_assert_eq(d[0].relay, 1);
  cr_assert_eq(d[1].choice, FAI_RELAY_DIRECT);
  cr_assert_eq(d[1].delay_s, 1);
  cr_assert_eq(d[2].choice, FAI_RELAY_OTHER_ORBIT, "sat 1 relays until 41 s; got relay %d",
               d[2].relay);
  cr_assert_eq(d[2].relay, 3);
  fai_relay_net_free(&net);
}

/* --- independent evaluation on random networks -------------------------------------- */

#define RN 7
#define RL 12

Test(relay, matches_an_independent_evaluation_of_all_candidates) {
  int seen[4] = {0, 0, 0, 0};
  for (int inst = 0; inst < 100; inst++) {
    rnd r = {400 + (uint64_t)inst, 0};
    const int T = 3, L = ri(&r, 1, RL);
    int nwin = RN * 2;
    fai_relay_net net;
    fai_error err;
    cr_assert_eq(fai_relay_net_alloc(&net, RN, nwin, L, T, &err), FAI_OK);
    for (int i = 0; i < RN; i++) {
      net.win_off[i] = 2 * i;
      const double a = ru(&r) * 50, b = a + ru(&r) * 60, c = b + ru(&r) * 30, e = c + ru(&r) * 80;
      net.win_rise_s[2 * i] = a;
      net.win_set_s[2 * i] = b;
      net.win_rise_s[2 * i + 1] = c;
      net.win_set_s[2 * i + 1] = e;
    }
    for (int l = 0; l < L; l++) {
      net.link_a[l] = ri(&r, 0, RN - 2);
      net.link_b[l] = ri(&r, net.link_a[l] + 1, RN - 1);
      net.link_inter[l] = (uint8_t)ri(&r, 0, 1);
    }
    for (int s = 0; s < T; s++) {
      net.t_s[s] = 70.0 * s;
      for (int l = 0; l < L; l++) net.rtt_s[s * L + l] = ru(&r) < 0.2 ? 0 : 0.002 + ru(&r) * 0.05;
    }
    fai_relay_params p;
    fai_relay_params_init(&p);
    p.ground_rate_bps = 1e6 * (1 + ru(&r) * 9);
    p.ground_loss = 1 + ru(&r);
    p.isl_window_bits = 1e4 + ru(&r) * 1e6;
    p.isl_loss = 1 + ru(&r) * 0.5;
    p.ground_exec_s = ru(&r);
    p.local_exec_s = ru(&r) * 3;
    const int n = 20;
    fai_relay_task tk[20];
    fai_relay_decision d[20];
    for (int k = 0; k < n; k++) {
      tk[k].sat = ri(&r, 0, RN - 1);
      tk[k].t0_s = ri(&r, 0, 40) * 5.0; /* coarse: simultaneous arrivals happen */
      tk[k].input_bits = ru(&r) * 2e8;
      tk[k].result_bits = ru(&r) * 1e7;
      tk[k].result_returns = ri(&r, 0, 1);
    }
    cr_assert_eq(fai_relay_decide(&net, &p, tk, n, d, &err), FAI_OK, "%s", err.msg);
    /* the oracle: arrival order by selection, its own busy times */
    double busy[RN];
    int done[20] = {0};
    for (int i = 0; i < RN; i++) busy[i] = -1e300;
    for (int q = 0; q < n; q++) {
      int k = -1;
      for (int c = 0; c < n; c++)
        if (!done[c] && (k < 0 || tk[c].t0_s < tk[k].t0_s)) k = c;
      done[k] = 1;
      const fai_relay_task *t = &tk[k];
      const double t0 = t->t0_s;
      double rem[RN];
      for (int i = 0; i < RN; i++) {
        rem[i] = 0;
        for (int w = 0; w < 2; w++)
          if (net.win_rise_s[2 * i + w] <= t0 && t0 < net.win_set_s[2 * i + w])
            rem[i] = net.win_set_s[2 * i + w] - t0;
      }
      const double bits = t->input_bits + (t->result_returns ? t->result_bits : 0);
      const double extra = t->result_returns ? p.ground_exec_s : 0;
      const double direct = bits * p.ground_loss / p.ground_rate_bps + extra;
      int snap = 0;
      for (int s = 0; s < T; s++)
        if (net.t_s[s] <= t0) snap = s;
      int want = 3, wj = -1;
      double wd = p.local_exec_s;
      if (direct <= rem[t->sat]) {
        want = 0;
        wd = direct;
        busy[t->sat] = fmax(busy[t->sat], t0 + direct); /* busy over both transfers */
      } else {
        for (int inter = 0; inter < 2 && want == 3; inter++) {
          for (int l = 0; l < L; l++) {
            if (net.link_inter[l] != inter) continue;
            int j;
            if (net.link_a[l] == t->sat) j = net.link_b[l];
            else if (net.link_b[l] == t->sat) j = net.link_a[l];
            else continue;
            const double rtt = net.rtt_s[snap * L + l];
            if (rtt <= 0 || busy[j] > t0) continue;
            const double rate = fmin(p.isl_window_bits / rtt, p.ground_rate_bps);
            const double dj = bits * (p.isl_loss + p.ground_loss) / rate + extra;
            if (dj <= rem[j] && (wj < 0 || dj < wd || (dj == wd && j < wj))) {
              wj = j;
              wd = dj;
            }
          }
          if (wj >= 0) {
            want = 1 + inter;
            busy[wj] = t0 + wd;
          }
        }
      }
      cr_assert_eq((int)d[k].choice, want, "instance %d task %d: %s, oracle %d", inst, k,
                   fai_relay_choice_name(d[k].choice), want);
      cr_assert_eq(d[k].relay, wj, "instance %d task %d", inst, k);
      cr_assert(fabs(d[k].delay_s - wd) <= 1e-12 * fmax(1, wd), "instance %d task %d: %.17g vs %.17g",
                inst, k, d[k].delay_s, wd);
      cr_assert_eq(d[k].remaining_s, rem[t->sat]);
      seen[want]++;
    }
    fai_relay_net_free(&net);
  }
  for (int c = 0; c < 4; c++) cr_assert(seen[c] >= 20, "outcome %d seen %d times only", c, seen[c]);
}

/* --- a real timeline ----------------------------------------------------------------- */

Test(relay, remaining_contact_comes_from_the_timeline_contact_windows) {
  fai_relay_instance inst;
  fai_error err;
  cr_assert_eq(fai_relay_instance_load_file("tests/data/relay-gen.json", NULL, NULL, &inst, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(inst.net.n_sats, 60);
  cr_assert(inst.n_tasks > 100);
  const int nw = inst.net.win_off[inst.net.n_sats];
  cr_assert(nw > 0);
  int checked = 0;
  for (int i = 0; i < inst.net.n_sats; i++)
    for (int w = inst.net.win_off[i]; w < inst.net.win_off[i + 1]; w++) {
      const double a = inst.net.win_rise_s[w], b = inst.net.win_set_s[w];
      cr_assert(b > a);
      const double mid = 0.5 * (a + b);
      cr_assert_eq(fai_relay_remaining(&inst.net, i, mid), b - mid);
      cr_assert_eq(fai_relay_remaining(&inst.net, i, b), 0);
      checked++;
    }
  cr_assert_eq(checked, nw);
  int intra = 0, inter = 0;
  for (int l = 0; l < inst.net.n_links; l++) inst.net.link_inter[l] ? inter++ : intra++;
  cr_assert_eq(intra, 60); /* 6 planes x 10, ring per plane */
  cr_assert(inter > 0);
  fai_relay_decision *d = calloc((size_t)inst.n_tasks, sizeof *d);
  cr_assert_eq(fai_relay_decide(&inst.net, &inst.params, inst.tasks, inst.n_tasks, d, &err), FAI_OK);
  for (int k = 0; k < inst.n_tasks; k++) {
    const double ta = fai_relay_remaining(&inst.net, inst.tasks[k].sat, inst.tasks[k].t0_s);
    cr_assert_eq(d[k].remaining_s, ta);
    if (d[k].choice == FAI_RELAY_DIRECT) cr_assert(d[k].delay_s <= ta);
    if (d[k].relay >= 0) cr_assert(d[k].delay_s <= d[k].relay_remaining_s);
  }
  free(d);
  fai_relay_instance_free(&inst);
}

Test(relay, bad_parameters_are_rejected) {
  const double open[4] = {11, 101, 101, 101}, rtt[3] = {0.01, 0.2, 0.01};
  fai_relay_net net;
  tiny_net(&net, open, rtt);
  fai_relay_params p = tiny_params();
  fai_relay_task t = {0, 1, 1e6, 0, 0};
  fai_relay_decision d;
  fai_error err;
  p.isl_loss = -1;
  cr_assert_eq(fai_relay_decide(&net, &p, &t, 1, &d, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "ISL loss factor -1"), "%s", err.msg);
  p = tiny_params();
  p.ground_rate_bps = -5;
  cr_assert_eq(fai_relay_decide(&net, &p, &t, 1, &d, &err), FAI_EINVAL);
  p = tiny_params();
  t.sat = 4;
  cr_assert_eq(fai_relay_decide(&net, &p, &t, 1, &d, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "satellite 4"), "%s", err.msg);
  fai_relay_net_free(&net);
}
