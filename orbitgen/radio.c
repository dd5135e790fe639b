/* Radio link budget: free-space and 3GPP path loss, SNR and Shannon rate.
 * Powers in dBm on the struct, budgets computed in dB(W) internally. */
#include <math.h>

#include "fluidai/orbit.h"

/* Ka-band satellite-to-gateway downlink defaults.  These are representative
 * values chosen for this project, not one operator's figures: 20 GHz carrier,
 * 250 MHz channel, 40 dBW EIRP (10 dBW = 40 dBm amplifier + 30 dBi antenna),
 * 40 dBi gateway dish, 1 dB other losses, 500 K system noise temperature
 * (G/T ≈ 13 dB/K).  At 1000 km this gives SNR ≈ 18 dB. */
void fai_radio_defaults_ka(fai_radio *r) {
  if (!r) return;
  r->frequency_hz = 20e9;
  r->bandwidth_hz = 250e6;
  r->tx_power_dbm = 40.0;
  r->tx_gain_dbi = 30.0;
  r->rx_gain_dbi = 40.0;
  r->losses_db = 1.0;
  r->noise_temp_k = 500.0;
  r->noise_density_dbm_hz = -174.0;
}

double fai_fspl_db(double dist_m, double freq_hz) {
  return 20.0 * log10(4.0 * FAI_PI * dist_m * freq_hz / FAI_C_M_S);
}

double fai_pathloss_3gpp_db(double dist_m) { return 128.1 + 37.6 * log10(dist_m / 1e3); }

/* SNR = P_tx + G_t + G_r − FSPL − L − N with N = k·T·B (dBW), or
 * N = N0 + 10·log10(B) when no noise temperature is given. */
double fai_radio_snr_db(const fai_radio *r, double dist_m) {
  const double p_rx_dbw = (r->tx_power_dbm - 30.0) + r->tx_gain_dbi + r->rx_gain_dbi -
                          fai_fspl_db(dist_m, r->frequency_hz) - r->losses_db;
  const double noise_dbw =
      r->noise_temp_k > 0.0
          ? FAI_BOLTZMANN_DBW_HZ_K + 10.0 * log10(r->noise_temp_k) + 10.0 * log10(r->bandwidth_hz)
          : (r->noise_density_dbm_hz - 30.0) + 10.0 * log10(r->bandwidth_hz);
  return p_rx_dbw - noise_dbw;
}

double fai_radio_rate_bps(const fai_radio *r, double dist_m) {
  const double snr = pow(10.0, fai_radio_snr_db(r, dist_m) / 10.0);
  return r->bandwidth_hz * log2(1.0 + snr);
}
