# Build knobs; override on the command line (make CUDA=0 SAN=1 OPT=-O0).

# CUDA backend: auto (nvcc on PATH or in /usr/local/cuda/bin), 1 (required), 0 (stub).
CUDA ?= auto
# 1: AddressSanitizer + UndefinedBehaviorSanitizer (built under build/<variant>-san).
SAN ?= 0
# Optimisation flags for C and CUDA host code.  No -ffast-math, no -march=native.
OPT ?= -O2
# 1: warnings are errors (CI sets it).
WERROR ?= 0
# GPU architectures compiled by the cuda build and by `make check-cuda`.
CUDA_ARCHS ?= 80 90
# Installation prefix for `make install`.
PREFIX ?= /usr/local
CC ?= cc
