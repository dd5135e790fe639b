#!/usr/bin/env bash
# FedMeld (PAPERS §4.3, §13): test accuracy vs hours of constellation time for FedMeld, its ablations, GS and ISL FL
# Usage: experiments/run.sh fedmeld   (writes under experiments/out/fedmeld/; BIN set by run.sh)
#
# 1. Pilot: `fedmeld sim --pilot` estimates L, sigma2, zeta2, G2, F_gap (F0 - F*) on the
#    simulator's own non-IID split and calibrates the bound's c2, c3 from three short
#    global-FedAvg runs (tau = 1, 32, 256 over 256 steps; PAPERS §4.2 is a proposal [P]
#    whose worst-case constants make the design degenerate, see solvers/fedmeld/sim_pilot.c);
#    the constants file also carries the simulator's eta and batch (constants.json).
# 2. Planner: `fedmeld plan --constants constants.json` on the clock of the DEPLOYED model
#    (§13: ResNet-18 on low-power clients: --t-cmp FMSIM_TCMP (5 s per local step),
#    --model-bits FMSIM_BITS (374064384 = 11.69 M float32)) -> tau*, alpha*, delta, T_I*,
#    the dispersal schedule and the baselines' timing from the orbits (plan.json,
#    plan_summary.txt).  If the planner fails, the experiment fails.
# 3. Simulator: 8 areas x 5 clients, 3 labels per area, on Fashion-MNIST when the Debian
#    package dataset-fashion-mnist is installed, else on synthetic data; the stand-in MLP
#    784-H-H-10 (H = FMSIM_HIDDEN, default 64 so that it runs in minutes on 2 cores; 200 is
#    the paper-sized MLP), batch FMSIM_BATCH (16), lr 0.05, trained on the planner's clock
#    (the comparison is about scheduling, not the network).  Every scheme trains until the
#    horizon: a scheme with longer rounds gets fewer of them.
# Outputs: constants.json, plan.json, plan_summary.txt, fedmeld_curve.csv (scheme, round,
# time, accuracy, loss, cumulative bits), fedmeld_comm.csv (per scheme: tau, alpha, delta,
# round, rounds, final accuracy, bits over access, feeder and ISL links),
# fedmeld_design.csv (tau*, alpha*, delta, T_I*, the bound and its ablations),
# fedmeld_accuracy.png/svg.  Expected (§4.3, §13): FedMeld above GS-assisted FL at equal
# time, no feeder or ISL bits for FedMeld, the planned (tau*, alpha*) at or above the
# fixed choices, alpha* < 1/2 whenever delta > 0.
set -euo pipefail
out=$1
BIN=${BIN:?BIN is set by experiments/run.sh}
HID=${FMSIM_HIDDEN:-64}
BATCH=${FMSIM_BATCH:-16}
HOURS=${FMSIM_HOURS:-6}
TCMP=${FMSIM_TCMP:-5}
BITS=${FMSIM_BITS:-374064384}
EXTRA=${FMSIM_ARGS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -d /usr/share/datasets/fashion-mnist ]; then
  data=fashion-mnist
else
  data=synthetic
  echo "fedmeld: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist); synthetic data" >&2
fi
common=(--data "$data" --model mlp --hidden "$HID" --batch "$BATCH" --lr 0.05)

echo "fedmeld: pilot run (constants and calibration of c2, c3)" >&2
"$BIN" fedmeld sim --pilot "${common[@]}" -o "$out/constants.json" | tee "$out/pilot_summary.txt" >&2

echo "fedmeld: planning (fedmeld plan, deployed model: $TCMP s per step, $BITS bits)" >&2
horizon=$(awk -v h="$HOURS" 'BEGIN { printf "%.0f", h * 3600 }')
if ! "$BIN" fedmeld plan --constants "$out/constants.json" --horizon "$horizon" --coverage site \
     --t-cmp "$TCMP" --model-bits "$BITS" -o "$out/plan.json" > "$out/plan_summary.txt" \
     2> "$tmp/plan.log"; then
  cat "$tmp/plan.log" >&2
  echo "fedmeld: error: \`fluidai fedmeld plan\` failed; no experiment without the planner's timing" >&2
  exit 1
fi
cat "$out/plan_summary.txt" >&2
jq -r '["tau_star","alpha_star","alpha_nlopt","delta","round_s","rounds","bound",
        "bound_half_alpha","bound_fixed_tau","t_com_s","t_travel_s","c2","c3"],
       [.decisions.tau, .decisions.alpha, .decisions.alpha_nlopt,
        .decisions.delta, .decisions.round_s, .decisions.rounds,
        .metrics.bound, .metrics.bound_half_alpha, .metrics.bound_fixed_tau,
        .decisions.timing.t_com_s, .decisions.timing.t_travel_s,
        .inputs.constants.c2, .inputs.constants.c3] | @csv' "$out/plan.json" \
  > "$out/fedmeld_design.csv"

# shellcheck disable=SC2086
"$BIN" fedmeld sim --plan "$out/plan.json" "${common[@]}" --test-samples 2000 --eval-points 30 \
  --progress=lines $EXTRA -o "$tmp/run" | tee "$out/fedmeld_summary.txt"
cp "$tmp/run/curve.csv" "$out/fedmeld_curve.csv"
cp "$tmp/run/result.json" "$out/fedmeld_result.json"
jq -r '["scheme","kind","tau","alpha","delta","round_s","rounds","final_accuracy",
        "final_area_accuracy","access_bits","feeder_bits","isl_bits"],
       (.metrics.schemes[] | [.name, .kind, .tau, .alpha, .delta, .round_s, .rounds_done,
        .final_accuracy, .final_area_accuracy, .access_bits, .feeder_bits, .isl_bits]) | @csv' \
  "$out/fedmeld_result.json" | tr -d '"' > "$out/fedmeld_comm.csv"
column -s, -t < "$out/fedmeld_comm.csv" >&2 || cat "$out/fedmeld_comm.csv" >&2

gnuplot -e "out='$out'; data='$data'" experiments/fedmeld.gp

# 4. Optional (FMSIM_SWEEP=1): planned (tau*, alpha*) against other choices on shorter runs
#    (FMSIM_SWEEP_HOURS, 2 h, planned for that budget).  tau in {1, 16, 64}, each with the
#    planner's alpha*(delta) of its own staleness (`fedmeld plan --fixed-tau`), and alpha in
#    {alpha*/4, min(2 alpha*, 1/2), 1/2} at tau*; the bound of every choice beside its
#    simulated final accuracy and loss (fedmeld_sweep.csv).
if [ "${FMSIM_SWEEP:-0}" = 1 ]; then
  sh=$(awk -v h="${FMSIM_SWEEP_HOURS:-2}" 'BEGIN { printf "%.0f", h * 3600 }')
  for ft in 1 16 64; do
    "$BIN" fedmeld plan --constants "$out/constants.json" --horizon "$sh" --coverage site \
      --t-cmp "$TCMP" --model-bits "$BITS" --fixed-tau "$ft" -q -o "$tmp/sweep$ft.json" 2> "$tmp/plan.log" \
      || { cat "$tmp/plan.log" >&2; echo "fedmeld: error: sweep planning failed" >&2; exit 1; }
  done
  jq -s '. as $all | .[0].decisions.timing as $t | $t.schemes[0] as $p |
    {format: "fluidai-plan", inputs: {constants: .[0].inputs.constants},
     decisions: {timing: ($t | .schemes = [
       $p,
       ($p | .name = "alpha-quarter" | .alpha = ($p.alpha / 4)),
       ($p | .name = "alpha-double" | .alpha = ([2 * $p.alpha, 0.5] | min)),
       $t.schemes[1],
       ($all[0].decisions.timing.schemes[2] | .name = "tau-1"),
       ($all[1].decisions.timing.schemes[2] | .name = "tau-16"),
       ($all[2].decisions.timing.schemes[2] | .name = "tau-64")] | .n_schemes = (.schemes | length))}}' \
    "$tmp/sweep1.json" "$tmp/sweep16.json" "$tmp/sweep64.json" > "$out/sweep_timing.json"
  echo "fedmeld: sweep of tau and alpha over ${FMSIM_SWEEP_HOURS:-2} h" >&2
  # shellcheck disable=SC2086
  "$BIN" fedmeld sim --plan "$out/sweep_timing.json" "${common[@]}" --test-samples 2000 \
    --eval-points 4 --no-area-eval --progress=none $EXTRA -q -o "$tmp/sweep_result.json"
  jq -r --slurpfile pl "$out/sweep_timing.json" '
    ($pl[0].inputs.constants) as $k | ($pl[0].decisions.timing) as $t |
    def bound($tau; $alpha; $delta):
      (2 * $alpha * (1 - $alpha) * (1 - ((2 * 3.141592653589793 / $t.n_areas) | cos))) as $p |
      ($k.eta * $k.eta * $k.L * $k.L) as $e2l2 |
      4 * $k.F_gap * ($k.t_cmp_s + $t.t_com_s / $tau) / ($k.eta * $t.horizon_s)
      + $k.c1 * $k.eta * $k.L * $k.sigma2 / ($t.n_areas * $k.batch)
      + $k.c2 * $e2l2 * $tau * $tau * ($k.sigma2 + $k.zeta2 / $p)
      + $k.c3 * $e2l2 * $tau * $tau * $delta * $delta * $k.G2 * $alpha * $alpha;
    ["scheme","tau","alpha","delta","round_s","rounds","bound","final_accuracy","final_loss"],
    (.metrics.schemes[] | [.name, .tau, .alpha, .delta, .round_s, .rounds_done,
      bound(.tau; .alpha; .delta), .final_accuracy, .final_loss]) | @csv' \
    "$tmp/sweep_result.json" | tr -d '"' > "$out/fedmeld_sweep.csv"
  column -s, -t < "$out/fedmeld_sweep.csv" >&2 || cat "$out/fedmeld_sweep.csv" >&2
fi
echo "fedmeld: wrote $out/fedmeld_design.csv, fedmeld_curve.csv, fedmeld_comm.csv, fedmeld_accuracy.png/svg" >&2
