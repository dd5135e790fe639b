/* The FedMeld plan document: inputs (areas, constants, parameters), the
 * design and schedule (decisions, with decisions.timing for the simulator),
 * the bound and per-area / per-pair statistics (metrics), and the baselines. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/fedmeld.h"
#include "fluidai/json.h"
#include "fluidai/plan.h"

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *constants_json(const fai_fedmeld_constants *k) {
  json_t *o = json_object();
  json_object_set_new(o, "L", num(k->L));
  json_object_set_new(o, "sigma2", num(k->sigma2));
  json_object_set_new(o, "zeta2", num(k->zeta2));
  json_object_set_new(o, "G2", num(k->G2));
  json_object_set_new(o, "F_gap", num(k->F_gap));
  json_object_set_new(o, "eta", num(k->eta));
  json_object_set_new(o, "batch", num(k->batch));
  json_object_set_new(o, "c1", num(k->c1));
  json_object_set_new(o, "c2", num(k->c2));
  json_object_set_new(o, "c3", num(k->c3));
  json_object_set_new(o, "t_cmp_s", num(k->t_cmp_s));
  json_object_set_new(o, "drift_exponent", num(k->drift_exponent));
  return o;
}

/* The areas as a loadable "fluidai-fedmeld-areas" document (clients as
 * explicit positions), so `jq .inputs.areas plan.json` re-runs the same set-up. */
json_t *fai_fedmeld_areas_to_json(const fai_fedmeld_areas *a) {
  json_t *o = json_object();
  json_object_set_new(o, "format", json_string("fluidai-fedmeld-areas"));
  json_object_set_new(o, "version", json_integer(1));
  json_object_set_new(o, "name", json_string(a->source));
  json_object_set_new(o, "min_elevation_deg", num(a->min_elev_deg));
  json_object_set_new(o, "coverage", json_string(a->coverage_site ? "site" : "clients"));
  const fai_fedmeld_radio *r = &a->radio;
  json_t *ro = json_object();
  json_object_set_new(ro, "frequency_hz", num(r->frequency_hz));
  json_object_set_new(ro, "dl_bandwidth_hz", num(r->dl_bandwidth_hz));
  json_object_set_new(ro, "ul_bandwidth_hz", num(r->ul_bandwidth_hz));
  json_object_set_new(ro, "sat_power_w", num(r->sat_power_w));
  if (isfinite(r->dl_energy_j)) json_object_set_new(ro, "dl_energy_j", num(r->dl_energy_j));
  json_object_set_new(ro, "client_power_w", num(r->client_power_w));
  json_object_set_new(ro, "sat_gain_dbi", num(r->sat_gain_dbi));
  json_object_set_new(ro, "client_gain_dbi", num(r->client_gain_dbi));
  json_object_set_new(ro, "losses_db", num(r->losses_db));
  json_object_set_new(ro, "noise_dbm_hz", num(r->noise_dbm_hz));
  json_object_set_new(ro, "uplink", json_string(r->uplink_tdma ? "tdma" : "fdma"));
  json_object_set_new(o, "radio", ro);
  json_t *arr = json_array();
  for (int n = 0; n < a->n; n++) {
    const fai_fedmeld_area *x = &a->v[n];
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(x->name));
    json_object_set_new(e, "lat_min_deg", num(x->lat_min_deg));
    json_object_set_new(e, "lat_max_deg", num(x->lat_max_deg));
    json_object_set_new(e, "lon_min_deg", num(x->lon_min_deg));
    json_object_set_new(e, "lon_max_deg", num(x->lon_max_deg));
    json_object_set_new(e, "site", json_pack("{s:o, s:o}", "lat_deg", num(x->site_lat_deg),
                                             "lon_deg", num(x->site_lon_deg)));
    json_t *cl = json_array();
    for (int j = 0; j < x->n_clients; j++)
      json_array_append_new(cl, json_pack("{s:o, s:o}", "lat_deg",
                                          num(a->client_lat_deg[x->client_off + j]), "lon_deg",
                                          num(a->client_lon_deg[x->client_off + j])));
    json_object_set_new(e, "clients", cl);
    json_array_append_new(arr, e);
  }
  json_object_set_new(o, "areas", arr);
  return o;
}

static json_t *design_json(const fai_fedmeld_design *d) {
  json_t *o = json_object();
  json_object_set_new(o, "tau", json_integer(d->tau));
  json_object_set_new(o, "tau_continuous", num(d->tau_cont));
  json_object_set_new(o, "alpha", num(d->alpha));
  json_object_set_new(o, "alpha_nlopt", num(d->alpha_nlopt));
  json_object_set_new(o, "delta", json_integer(d->delta));
  json_object_set_new(o, "round_s", num(d->round_s));
  json_object_set_new(o, "rounds", json_integer(d->rounds));
  json_object_set_new(o, "bound", num(d->bound));
  return o;
}

static json_t *baseline_json(const fai_fedmeld_baseline *b, const char *model) {
  json_t *o = json_object();
  json_object_set_new(o, "model", json_string(model));
  json_object_set_new(o, "rounds", json_integer(b->rounds));
  json_object_set_new(o, "mean_round_s", num(b->mean_round_s));
  json_object_set_new(o, "first_round_at_s", num(b->first_round_at_s));
  json_object_set_new(o, "mean_wait_s", num(b->mean_wait_s));
  json_object_set_new(o, "access_bits_round", num(b->access_bits_round));
  json_object_set_new(o, "feeder_bits_round", num(b->feeder_bits_round));
  json_object_set_new(o, "isl_bits_round", num(b->isl_bits_round));
  json_object_set_new(o, "access_bits_total", num(b->access_bits_round * (double)b->rounds));
  json_object_set_new(o, "feeder_bits_total", num(b->feeder_bits_round * (double)b->rounds));
  json_object_set_new(o, "isl_bits_total", num(b->isl_bits_round * (double)b->rounds));
  return o;
}

fai_status fai_fedmeld_plan_fill(const fai_fedmeld_plan_result *r, const fai_fedmeld_areas *areas,
                                 const fai_fedmeld_plan_params *p, fai_plan *plan, fai_error *err) {
  (void)err;
  const int N = r->n_areas;
  /* inputs */
  json_t *in = json_object();
  json_object_set_new(in, "constants", constants_json(&p->k));
  json_object_set_new(in, "model_bits", num(p->model_bits));
  json_object_set_new(in, "horizon_s", num(r->horizon_s));
  json_object_set_new(in, "fixed_tau", json_integer(p->fixed_tau));
  json_object_set_new(in, "baseline_tau", json_integer(p->baseline_tau));
  json_object_set_new(in, "delta_cap", json_integer(p->delta_cap));
  json_object_set_new(in, "areas", fai_fedmeld_areas_to_json(areas));
  fai_plan_set(plan, "inputs", in);

  /* decisions */
  const fai_fedmeld_design *d = &r->design;
  json_t *dec = design_json(d);
  json_object_set_new(dec, "t_com_s", num(r->t_com_s));
  json_object_set_new(dec, "t_up_s", num(r->t_up_s));
  json_object_set_new(dec, "t_down_s", num(r->t_down_s));
  json_object_set_new(dec, "t_travel_s", num(r->t_travel_s));
  json_object_set_new(dec, "delta_range", json_pack("[i, i]", d->delta_lo, d->delta_hi));
  json_object_set_new(dec, "tau_range", json_pack("[i, i]", d->tau_lo, d->tau_hi));
  {
    /* round interval's feasible range: τ = 1 up to the budget */
    const double tmax = floor((r->horizon_s - r->t_com_s) / p->k.t_cmp_s);
    json_object_set_new(dec, "round_range_s",
                        json_pack("[o, o]", num(p->k.t_cmp_s + r->t_com_s),
                                  num(tmax * p->k.t_cmp_s + r->t_com_s)));
  }
  json_t *sched = json_array();
  const size_t lim = p->max_carries > 0 && (size_t)p->max_carries < r->n_carry
                         ? (size_t)p->max_carries : r->n_carry;
  for (size_t i = 0; i < lim; i++) {
    const fai_fedmeld_carry *c = &r->carry[i];
    json_t *e = json_object();
    json_object_set_new(e, "sat", json_integer(c->sat));
    json_object_set_new(e, "from", json_string(areas->v[c->from].name));
    json_object_set_new(e, "to", json_string(areas->v[c->to].name));
    json_object_set_new(e, "depart_s", num(c->depart_s));
    json_object_set_new(e, "arrive_s", num(c->arrive_s));
    json_object_set_new(e, "carry_s", num(c->carry_s));
    json_array_append_new(sched, e);
  }
  json_object_set_new(dec, "carries_total", json_integer((json_int_t)r->n_carry));
  json_object_set_new(dec, "schedule", sched);
  json_object_set_new(dec, "timing", fai_fedmeld_timing_to_json(&r->timing));
  fai_plan_set(plan, "decisions", dec);

  /* metrics */
  json_t *met = json_object();
  json_object_set_new(met, "bound", num(d->bound));
  json_object_set_new(met, "bound_half_alpha", num(r->half_alpha_bound));
  json_object_set_new(met, "bound_fixed_tau", num(r->fixed_tau_bound));
  json_object_set_new(met, "fixed_tau", design_json(&r->fixed));
  json_object_set_new(met, "access_energy_round_j", num(r->energy_round_j));
  json_object_set_new(met, "windows", json_integer((json_int_t)r->n_win));
  json_t *aa = json_array();
  for (int n = 0; n < N; n++) {
    const fai_fedmeld_area_stats *s = &r->area[n];
    json_t *e = json_object();
    json_object_set_new(e, "name", json_string(areas->v[n].name));
    json_object_set_new(e, "windows", json_integer(s->windows));
    json_object_set_new(e, "coverage", num(s->coverage));
    json_object_set_new(e, "mean_window_s", num(s->mean_window_s));
    json_object_set_new(e, "max_gap_s", num(s->max_gap_s));
    json_object_set_new(e, "first_cover_s", num(s->first_cover_s));
    json_object_set_new(e, "t_up_s", num(s->t_up_s));
    json_object_set_new(e, "t_down_s", num(s->t_down_s));
    json_object_set_new(e, "up_energy_j", num(s->up_energy_j));
    json_object_set_new(e, "down_energy_j", num(s->down_energy_j));
    json_object_set_new(e, "min_gain_db", num(s->min_gain_db));
    json_array_append_new(aa, e);
  }
  json_object_set_new(met, "areas", aa);
  json_t *pa = json_array();
  for (int n = 0; n < N; n++) {
    const fai_fedmeld_pair_stats *s = &r->pair[n];
    json_t *e = json_object();
    json_object_set_new(e, "from", json_string(areas->v[n].name));
    json_object_set_new(e, "to", json_string(areas->v[(n + 1) % N].name));
    json_object_set_new(e, "carries", json_integer(s->carries));
    json_object_set_new(e, "travel_min_s", num(s->travel_min_s));
    json_object_set_new(e, "travel_median_s", num(s->travel_median_s));
    json_object_set_new(e, "travel_mean_s", num(s->travel_mean_s));
    json_object_set_new(e, "travel_max_s", num(s->travel_max_s));
    json_object_set_new(e, "aoi_mean_s", num(s->aoi_mean_s));
    json_object_set_new(e, "delta", json_integer(fai_fedmeld_delta_of(s->travel_median_s,
                                                                      d->round_s)));
    json_array_append_new(pa, e);
  }
  json_object_set_new(met, "pairs", pa);
  /* which links carry aggregation traffic, per scheme and round */
  json_t *links = json_object();
  for (int i = 0; i < r->timing.n_schemes; i++) {
    const fai_fedmeld_scheme *s = &r->timing.schemes[i];
    json_object_set_new(links, s->name,
                        json_pack("{s:o, s:o, s:o}", "access_bits_round",
                                  num(s->access_bits_round), "feeder_bits_round",
                                  num(s->feeder_bits_round), "isl_bits_round",
                                  num(s->isl_bits_round)));
  }
  json_object_set_new(met, "links_per_round", links);
  /* which link types each family aggregates over (the bits above are their per-round volumes) */
  json_object_set_new(met, "aggregation_links",
                      json_pack("{s:[s], s:[s, s], s:[s, s]}", "dispersal", "access", "gs",
                                "access", "feeder", "isl", "access", "isl"));
  json_object_set_new(met, "fedmeld_dispersal", baseline_json(&r->dispersal, "dispersal"));
  fai_plan_set(plan, "metrics", met);

  json_t *base = json_object();
  json_t *g = baseline_json(&r->gs, "ground-station-assisted hierarchical FedAvg");
  json_object_set_new(base, "gs", g);
  json_t *is = baseline_json(&r->isl, "ISL-assisted decentralised averaging");
  json_object_set_new(is, "max_hops", num(r->isl.max_hops));
  json_object_set_new(base, "isl", is);
  fai_plan_set(plan, "baselines", base);

  fai_plan_set_objective(plan, "convergence_bound", "min", d->bound, d->bound);
  fai_plan_set_outcome(plan, FAI_OUTCOME_OPTIMAL);
  fai_plan_timing(plan, "timeline", r->timeline_s);
  fai_plan_timing(plan, "plan", r->plan_s);
  fai_plan_timing(plan, "timeline_cpu", r->timeline_cpu_s);
  fai_plan_timing(plan, "plan_cpu", r->plan_cpu_s);
  static const char *const stages[] = {"plan_windows", "plan_carries", "plan_access",
                                       "plan_design", "plan_dispersal", "plan_gs", "plan_isl"};
  for (int i = 0; i < 7; i++) fai_plan_timing(plan, stages[i], r->stage_s[i]);
  return FAI_OK;
}
