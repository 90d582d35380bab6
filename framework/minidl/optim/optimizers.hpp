#pragma once
// Every optimizer, the learning-rate schedules and the by-name factory in one include.

#include "minidl/optim/adagrad.hpp"
#include "minidl/optim/adam.hpp"
#include "minidl/optim/factory.hpp"
#include "minidl/optim/momentum.hpp"
#include "minidl/optim/nesterov.hpp"
#include "minidl/optim/optimizer.hpp"
#include "minidl/optim/rmsprop.hpp"
#include "minidl/optim/schedule.hpp"
#include "minidl/optim/sgd.hpp"
