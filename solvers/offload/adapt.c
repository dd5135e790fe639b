/* Adaptive modelling on one device: latency prediction from the knowledge
 * base, the model choice and its plan (PAPERS §11.4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/adapt.h"
#include "fluidai/json.h"

void fai_adapt_params_init(fai_adapt_params *p) {
  p->lo_ms = 15;
  p->hi_ms = 20;
  p->grid_ms = 0.001;
  p->algo = FAI_ADAPT_DP;
  fai_evo_params_init(&p->evo);
}

void fai_adapt_problem_free(fai_adapt_problem *pb) {
  free(pb->off);
  free(pb->opt_choice);
  free(pb->opt_depth);
  free(pb->weight);
  free(pb->value);
  free(pb->def_pick);
  memset(pb, 0, sizeof *pb);
}

/* Σ of the measured latencies of ops on device d, summed in list order. */
static fai_status ops_ms(const fai_device_kb *kb, int d, const int *ops, int n, const char *where,
                         double *out, fai_error *err) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    const double v = kb->dev[d].op_ms[ops[i]];
    if (isnan(v))
      return fai_error_set_at(err, FAI_EINVAL, kb->source, 0, 0, "$.devices",
                              "device \"%s\" has no measured latency for operator \"%s\" (used by "
                              "%s)", kb->dev[d].name, kb->ops[ops[i]].id, where);
    s += v;
  }
  *out = s;
  return FAI_OK;
}

fai_status fai_adapt_problem_build(const fai_device_kb *kb, const fai_model_space *s, int device,
                                   fai_adapt_problem *pb, fai_error *err) {
  memset(pb, 0, sizeof *pb);
  if (device < 0 || device >= kb->n_devices)
    return fai_error_set(err, FAI_EINVAL, "device index %d; the knowledge base has %d", device,
                         kb->n_devices);
  fai_status st = FAI_OK;
  const fai_kb_device *dev = &kb->dev[device];
  const int G = s->n_blocks;
  int n = 0;
  for (int b = 0; b < G; b++)
    n += s->block[b].n_choices * (s->block[b].depth_max - s->block[b].depth_min + 1);
  pb->device = device;
  pb->n_groups = G;
  pb->off = malloc(((size_t)G + 1) * sizeof *pb->off);
  pb->opt_choice = malloc(((size_t)n + 1) * sizeof *pb->opt_choice);
  pb->opt_depth = malloc(((size_t)n + 1) * sizeof *pb->opt_depth);
  pb->weight = malloc(((size_t)n + 1) * sizeof *pb->weight);
  pb->value = malloc(((size_t)n + 1) * sizeof *pb->value);
  pb->def_pick = malloc(((size_t)G + 1) * sizeof *pb->def_pick);
  if (!pb->off || !pb->opt_choice || !pb->opt_depth || !pb->weight || !pb->value || !pb->def_pick) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  double fixed_ops;
  FAI_TRY(ops_ms(kb, device, s->fixed, s->n_fixed, "the fixed operators", &fixed_ops, err));
  pb->transfer_ms = dev->transfer_in_ms;
  pb->gpu_ms = dev->engine == FAI_ENGINE_GPU ? dev->queue_ms + dev->copy_ms_per_mb * s->input_mb : 0;
  pb->fixed_ms = pb->transfer_ms + fixed_ops + pb->gpu_ms;
  int k = 0;
  for (int b = 0; b < G; b++) {
    const fai_space_block *bl = &s->block[b];
    pb->off[b] = k;
    for (int c = 0; c < bl->n_choices; c++) {
      char where[160];
      snprintf(where, sizeof where, "choice \"%s\" of block \"%s\"", bl->choice[c].name, bl->name);
      double ms;
      FAI_TRY(ops_ms(kb, device, bl->choice[c].ops, bl->choice[c].n_ops, where, &ms, err));
      for (int r = bl->depth_min; r <= bl->depth_max; r++) {
        if (c == bl->def_choice && r == bl->def_depth) pb->def_pick[b] = k - pb->off[b];
        pb->opt_choice[k] = c;
        pb->opt_depth[k] = r;
        pb->weight[k] = r * ms;
        pb->value[k] = bl->choice[c].accuracy + bl->depth_acc[r - bl->depth_min];
        k++;
      }
    }
  }
  pb->off[G] = k;
  pb->mckp.n_groups = G;
  pb->mckp.off = pb->off;
  pb->mckp.weight = pb->weight;
  pb->mckp.value = pb->value;
  pb->mckp.fixed_weight = pb->fixed_ms;
  pb->mckp.fixed_value = s->base_accuracy;
cleanup:
  if (st != FAI_OK) fai_adapt_problem_free(pb);
  return st;
}

void fai_adapt_eval(const fai_adapt_problem *pb, const int *pick, double *latency_ms,
                    double *accuracy) {
  double w = pb->mckp.fixed_weight, v = pb->mckp.fixed_value;
  for (int g = 0; g < pb->n_groups; g++) {
    w += pb->weight[pb->off[g] + pick[g]];
    v += pb->value[pb->off[g] + pick[g]];
  }
  if (latency_ms) *latency_ms = w;
  if (accuracy) *accuracy = v;
}

fai_status fai_adapt_solve(const fai_adapt_problem *pb, const fai_adapt_params *p, int *pick,
                           fai_mckp_result *res, fai_error *err) {
  if (p->algo == FAI_ADAPT_EVOLUTION)
    return fai_mckp_evolve(&pb->mckp, p->lo_ms, p->hi_ms, p->grid_ms, &p->evo, pick, res, err);
  return fai_mckp_dp(&pb->mckp, p->lo_ms, p->hi_ms, p->grid_ms, pick, res, err);
}

static json_t *model_json(const fai_model_space *s, const fai_adapt_problem *pb, const int *pick) {
  json_t *blocks = json_array();
  for (int b = 0; b < pb->n_groups; b++) {
    const int o = pb->off[b] + pick[b];
    const fai_space_choice *ch = &s->block[b].choice[pb->opt_choice[o]];
    json_t *e = json_pack("{s:s, s:s, s:i, s:f, s:f}", "block", s->block[b].name, "choice",
                          ch->name, "depth", pb->opt_depth[o], "latency_ms", pb->weight[o],
                          "accuracy", pb->value[o]);
    if (ch->kernel) json_object_set_new(e, "kernel", json_integer(ch->kernel));
    if (ch->channels) json_object_set_new(e, "channels", json_integer(ch->channels));
    if (ch->block_type[0]) json_object_set_new(e, "block_type", json_string(ch->block_type));
    json_array_append_new(blocks, e);
  }
  double lat, acc;
  fai_adapt_eval(pb, pick, &lat, &acc);
  return json_pack("{s:f, s:f, s:o}", "latency_ms", lat, "accuracy", acc, "blocks", blocks);
}

fai_status fai_adapt_plan(const fai_device_kb *kb, const fai_model_space *s,
                          const fai_adapt_problem *pb, const fai_adapt_params *p, const int *pick,
                          const fai_mckp_result *res, fai_plan *plan, fai_error *err) {
  fai_status st = fai_plan_init(plan, "offload.adapt",
                                p->algo == FAI_ADAPT_EVOLUTION ? p->evo.seed : 0, err);
  if (st != FAI_OK) return st;
  const fai_kb_device *dev = &kb->dev[pb->device];
  json_t *params = json_pack("{s:s, s:s, s:s, s:[f, f], s:f, s:s}", "device", dev->name, "engine",
                             dev->engine == FAI_ENGINE_GPU ? "gpu" : "cpu", "space", s->name,
                             "latency_interval_ms", p->lo_ms, p->hi_ms, "grid_ms", p->grid_ms,
                             "algo", p->algo == FAI_ADAPT_EVOLUTION ? "evolution" : "dp");
  if (p->algo == FAI_ADAPT_EVOLUTION)
    json_object_set_new(params, "evolution",
                        json_pack("{s:i, s:i, s:f, s:i}", "population", p->evo.population,
                                  "generations", p->evo.generations, "mutation", p->evo.mutation,
                                  "tournament", p->evo.tournament));
  json_object_set_new(params, "fixed_latency_ms",
                      json_pack("{s:f, s:f, s:f}", "total", pb->fixed_ms, "transfer_in",
                                pb->transfer_ms, "gpu", pb->gpu_ms));
  fai_plan_set(plan, "inputs", params);
  double n_models = 1, log10_models = 0;
  for (int g = 0; g < pb->n_groups; g++) {
    n_models *= pb->off[g + 1] - pb->off[g];
    log10_models += log10((double)(pb->off[g + 1] - pb->off[g]));
  }
  /* a space of > 1.8e308 models (hundreds of blocks) overflows: json_pack
   * failed on inf and the whole metrics object came out null */
  json_t *metrics = json_pack("{s:o, s:o, s:I}", "original", model_json(s, pb, pb->def_pick),
                              "models_in_space", isfinite(n_models) ? json_real(n_models)
                                                                    : json_null(),
                              "evaluations", (json_int_t)res->evaluations);
  if (!metrics) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  if (!isfinite(n_models))
    json_object_set_new(metrics, "models_in_space_log10", json_real(log10_models));
  if (res->feasible) {
    fai_plan_set(plan, "decisions", model_json(s, pb, pick));
    fai_plan_set_outcome(plan, p->algo == FAI_ADAPT_DP ? FAI_OUTCOME_OPTIMAL : FAI_OUTCOME_FEASIBLE);
    fai_plan_set_objective(plan, "accuracy", "max", res->value,
                           p->algo == FAI_ADAPT_DP ? res->value : NAN);
    json_object_set_new(metrics, "latency_ms", json_real(res->weight));
    json_object_set_new(metrics, "accuracy", json_real(res->value));
  } else {
    fai_plan_set(plan, "decisions", json_null());
    fai_plan_set_outcome(plan, FAI_OUTCOME_INFEASIBLE);
    /* the DP proves it; the evolution only found no feasible model */
    json_object_set_new(metrics, "infeasibility_proven", json_boolean(p->algo == FAI_ADAPT_DP));
  }
  fai_plan_set(plan, "metrics", metrics);
  return FAI_OK;
}
