/* Planner ↔ simulator pipeline of FedMeld (suite `fedmeld_calib`): the
 * pilot's calibration of the bound's c2, c3 (solvers/fedmeld/sim_pilot.c)
 * turns the degenerate design of the worst-case constants (τ* = 1, a
 * staleness of thousands of rounds, α* ≈ 0, a bound far above F0 − F*) into
 * one the simulator replays: δ small, 0 < α* < ½, a bound below F0 − F*;
 * the calibration is identical for 1 and 2 threads; the simulator refuses a
 * staleness whose carried-model history does not fit, up front and naming
 * the planner's --delta-cap. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/fedmeld.h"
#include "fluidai/fl.h"

/* The default set-up's clock (fedmeld plan on the embedded scenario, 8 areas):
 * carry time between areas, in-area communication of the stand-in MLP
 * (6.4 Mbit) and of the deployed ResNet-18 (374 Mbit). */
#define T_TRAVEL 981.25
#define T_COM_MLP 0.3298
#define T_COM_RESNET 19.35
#define HORIZON 21600.0

typedef struct pilot_fixture {
  fai_fl_dataset tr, te;
  fai_fl_model m;
  fai_fl_partition part;
} pilot_fixture;

static void fixture(pilot_fixture *f) {
  fai_fl_synth_params sp;
  fai_error err;
  fai_fl_synth_params_init(&sp);
  sp.dim = 32;
  sp.n_train = 2000;
  sp.n_test = 10;
  cr_assert_eq(fai_fl_synthetic(&sp, &f->tr, &f->te, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_fl_model_init(&f->m, FAI_FL_MLP, 32, 16, 10, &err), FAI_OK);
  cr_assert_eq(fai_fl_partition_noniid(&f->tr, 8, 2, 3, 60, 1, &f->part, &err), FAI_OK, "%s",
               err.msg);
}

static void fixture_free(pilot_fixture *f) {
  fai_fl_partition_free(&f->part);
  fai_fl_dataset_free(&f->tr);
  fai_fl_dataset_free(&f->te);
}

static fai_fl_calibration cal_of(int steps, int warmup, double gamma) {
  fai_fl_calibration cal;
  fai_fl_calibration_init(&cal);
  cal.steps = steps;
  cal.warmup = warmup;
  cal.drift_exponent = gamma;
  return cal;
}

static void to_planner(const fai_fl_constants *c, double t_cmp, fai_fedmeld_constants *k) {
  fai_fedmeld_constants_init(k);
  k->L = c->L;
  k->sigma2 = c->sigma2;
  k->zeta2 = c->zeta2;
  k->G2 = c->G2;
  k->F_gap = c->F0_minus_Fstar;
  k->eta = c->eta;
  k->batch = c->batch;
  k->c2 = c->c2;
  k->c3 = c->c3;
  k->drift_exponent = c->drift_exponent;
  k->t_cmp_s = t_cmp;
}

Test(fedmeld_calib, calibrated_design_is_replayable_and_mixes_below_half, .timeout = 60) {
  pilot_fixture f;
  fai_error err;
  fixture(&f);
  fai_fl_constants c;
  const fai_fl_calibration cal = cal_of(64, 128, 2);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 1, 2, &c, &err),
               FAI_OK, "%s", err.msg);
  cr_assert(c.calibrated);
  cr_assert_eq(c.cal_warmup, 128);
  cr_assert_eq(c.drift_exponent, 2);
  cr_assert_eq(c.cal_stale_tau, 8);
  cr_assert_eq(c.eta, 0.05);
  cr_assert_eq(c.batch, 8);
  cr_assert_eq(c.cal_taus[0], 1);
  cr_assert_eq(c.cal_taus[2], 64);
  /* The warm-up trains (the runs start where training runs, not at w0) ... */
  cr_assert_lt(c.cal_loss_start, 0.9 * c.F0_minus_Fstar, "loss after the warm-up %g, at w0 %g",
               c.cal_loss_start, c.F0_minus_Fstar);
  /* ... and the constants are positive and far below the worst case 1. */
  cr_assert(c.c2 > 0 && c.c2 < 0.1 && isfinite(c.c2), "c2 %g", c.c2);
  cr_assert(c.c3 > 0 && c.c3 < 0.1 && isfinite(c.c3), "c3 %g", c.c3);

  /* Worst-case constants on the stand-in's clock: the degenerate design. */
  fai_fedmeld_constants k;
  fai_fedmeld_design d;
  to_planner(&c, 0.05, &k);
  k.c2 = k.c3 = 1;
  cr_assert_eq(fai_fedmeld_design_solve(&k, 8, HORIZON, T_COM_MLP, T_TRAVEL, 0, &d, &err), FAI_OK,
               "%s", err.msg);
  cr_assert_eq(d.tau, 1);
  cr_assert_gt(d.delta, 1000);
  cr_assert_gt(d.bound, k.F_gap, "worst-case bound %g vs F0 - F* %g", d.bound, k.F_gap);

  /* Calibrated constants on the deployed model's clock. */
  to_planner(&c, FAI_FEDMELD_DEVICE_T_CMP_S, &k);
  cr_assert_eq(fai_fedmeld_design_solve(&k, 8, HORIZON, T_COM_RESNET, T_TRAVEL, 0, &d, &err),
               FAI_OK, "%s", err.msg);
  cr_assert(d.delta >= 1 && d.delta <= 50, "delta %d", d.delta);
  cr_assert(d.alpha > 0 && d.alpha < 0.5, "alpha* %g with delta %d", d.alpha, d.delta);
  cr_assert_float_eq(d.alpha, d.alpha_nlopt, 1e-6);
  cr_assert_lt(d.bound, k.F_gap, "calibrated bound %g vs F0 - F* %g", d.bound, k.F_gap);
  /* The simulator's carried-model history for this design and the paper-sized
   * MLP 784-200-200-10 fits its limit. */
  cr_assert_lt((d.delta + 1.0) * 8 * 199210 * 4, FAI_FL_MAX_HISTORY_BYTES);
  /* The bound prefers the planned (τ*, α*) to α = ½ at the same δ. */
  cr_assert_lt(d.bound, fai_fedmeld_bound(&k, 8, HORIZON, T_COM_RESNET, d.delta, d.tau, 0.5));
  fixture_free(&f);
}

Test(fedmeld_calib, calibration_is_identical_for_one_and_two_threads, .timeout = 60) {
  pilot_fixture f;
  fai_error err;
  fixture(&f);
  fai_fl_constants a, b;
  fai_fl_calibration cal = cal_of(16, 32, 0);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 1, &a, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 2, &b, &err),
               FAI_OK, "%s", err.msg);
  cr_assert_eq(memcmp(&a.c2, &b.c2, sizeof a.c2), 0);
  cr_assert_eq(memcmp(&a.c3, &b.c3, sizeof a.c3), 0);
  cr_assert_eq(memcmp(&a.drift_exponent, &b.drift_exponent, sizeof a.drift_exponent), 0);
  cr_assert_eq(memcmp(a.cal_loss, b.cal_loss, sizeof a.cal_loss), 0);
  cr_assert_eq(memcmp(a.cal_stale_loss, b.cal_stale_loss, sizeof a.cal_stale_loss), 0);
  /* Steps that are not a multiple of 8, a negative warm-up, a staleness of 0
   * rounds and a negative exponent are refused. */
  cal = cal_of(12, 32, 0);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 1, &a, &err),
               FAI_EINVAL);
  cal = cal_of(16, -1, 0);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 1, &a, &err),
               FAI_EINVAL);
  cal = cal_of(16, 32, -1);
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 1, &a, &err),
               FAI_EINVAL);
  cal = cal_of(16, 32, 0);
  cal.stale_rounds = 0;
  cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, 7, 1, &a, &err),
               FAI_EINVAL);
  fixture_free(&f);
}

Test(fedmeld_calib, simulator_refuses_a_staleness_it_cannot_hold_before_training) {
  pilot_fixture f;
  fai_error err;
  fixture(&f);
  fai_fedmeld_timing tm;
  memset(&tm, 0, sizeof tm);
  tm.n_areas = 8;
  tm.clients_per_area = 2;
  tm.horizon_s = 3600;
  tm.t_cmp_s = 0.05;
  tm.t_com_s = 0.33;
  tm.t_travel_s = 981;
  tm.model_bits = 1e6;
  tm.n_schemes = 1;
  fai_fedmeld_scheme *s = &tm.schemes[0];
  snprintf(s->name, sizeof s->name, "fedmeld");
  s->kind = FAI_FL_DISPERSAL;
  s->tau = 1;
  s->alpha = 0.01;
  s->delta = 100000000;
  s->round_s = 0.38;
  s->first_round_at_s = 0.38;
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 1, &be, &err), FAI_OK);
  fai_fl_sim_params p;
  fai_fl_sim_params_init(&p);
  p.model = FAI_FL_MLP;
  p.hidden = 16;
  p.batch = 8;
  p.samples_per_client = 60;
  p.test_samples = 10;
  fai_fl_sim_result r;
  cr_assert_eq(fai_fl_simulate(&be, &tm, &f.tr, &f.te, &p, &r, &err), FAI_EINVAL);
  cr_assert(strstr(err.msg, "delta 100000000") && strstr(err.msg, "--delta-cap"), "%s", err.msg);
  cr_assert_eq(r.rounds_done[0], 0);
  fai_fl_sim_result_free(&r);
  fixture_free(&f);
}

/* The fitted drift exponent reproduces the runs' loss excesses: their ratio
 * (F_S − F_1)/(F_{S/8} − F_1) equals (S^γ − 1)/((S/8)^γ − 1) unless γ sits at
 * an end of [0.05, 2] (where the ratio is beyond what the range can give);
 * and the constants file carries γ to the planner. */
Test(fedmeld_calib, fitted_drift_exponent_matches_the_loss_excesses, .timeout = 60) {
  pilot_fixture f;
  fai_error err;
  fixture(&f);
  for (int seed = 1; seed <= 3; ++seed) {
    fai_fl_constants c;
    const fai_fl_calibration cal = cal_of(64, 32 * seed, 0);
    cr_assert_eq(fai_fl_pilot_calibrated(&f.m, &f.tr, &f.part, 8, 0.05, 3, &cal, (uint64_t)seed,
                                         2, &c, &err),
                 FAI_OK, "%s", err.msg);
    const double g = c.drift_exponent, S = 64;
    cr_assert(c.drift_exponent_fitted);
    cr_assert(g >= 0.05 && g <= 2, "gamma %g", g);
    const double e1 = c.cal_loss[1] - c.cal_loss[0], e2 = c.cal_loss[2] - c.cal_loss[0];
    if (e1 > 0 && e2 > 0 && g > 0.05 + 1e-9 && g < 2 - 1e-9)
      cr_assert_float_eq((pow(S, g) - 1) / (pow(S / 8, g) - 1), e2 / e1, 1e-6 * (e2 / e1),
                         "seed %d: gamma %g, excesses %g, %g", seed, g, e1, e2);
    else if (!(e1 > 0) || !(e2 > 0))
      cr_assert_eq(g, 2.0, "nothing to fit, gamma %g", g);
    json_t *o = fai_fl_constants_json(&c);
    cr_assert_eq(json_real_value(json_object_get(o, "drift_exponent")), g);
    json_decref(o);
  }
  fixture_free(&f);
}
