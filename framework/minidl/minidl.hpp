#pragma once
// The umbrella header: everything a user of minidl needs.

#include "minidl/check/gradcheck.hpp"
#include "minidl/core/autograd.hpp"
#include "minidl/core/blas.hpp"
#include "minidl/core/grad_mode.hpp"
#include "minidl/core/random.hpp"
#include "minidl/core/record.hpp"
#include "minidl/core/tensor.hpp"
#include "minidl/core/variable.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/loss.hpp"
#include "minidl/ops/matrix.hpp"
#include "minidl/ops/reduction.hpp"
#include "minidl/ops/shape.hpp"
#include "minidl/ops/softmax.hpp"
