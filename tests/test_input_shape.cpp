// models::input_shape reads a network's input item shape from its spec.
#include <catch2/catch.hpp>

#include <minidl/core/grad_mode.hpp>
#include <minidl/models/input_shape.hpp>
#include <minidl/models/model_spec.hpp>

using namespace minidl;
using nlohmann::json;

TEST_CASE("input_shape for every kind, with defaults and explicit sizes", "[models][spec]") {
  REQUIRE(models::input_shape({{"kind", "mlp"}, {"config", {{"sizes", {784, 50, 10}}}}}) == Shape{784});
  REQUIRE(models::input_shape({{"kind", "mlp"}, {"config", json::object()}}) == Shape{784});
  REQUIRE(models::input_shape({{"kind", "two_layer_net"}, {"config", {{"input_size", 100}}}}) == Shape{100});
  REQUIRE(models::input_shape({{"kind", "multi_layer_net"}, {"config", json::object()}}) == Shape{784});
  REQUIRE(models::input_shape({{"kind", "simple_conv_net"}, {"config", json::object()}}) == Shape{1, 28, 28});
  REQUIRE(models::input_shape({{"kind", "deep_conv_net"}, {"config", {{"channels", 3}, {"height", 32}, {"width", 30}}}}) ==
          Shape{3, 32, 30});
}

TEST_CASE("input_shape agrees with the networks make_model builds", "[models][spec]") {
  Generator gen(1);
  for (const char* kind : {"mlp", "two_layer_net", "multi_layer_net", "simple_conv_net", "deep_conv_net"}) {
    CAPTURE(kind);
    const json spec{{"kind", kind}, {"config", json::object()}};
    auto model = models::make_model<float>(spec, gen);
    model->eval();
    Shape shape{2};
    const Shape item = models::input_shape(spec);
    shape.insert(shape.end(), item.begin(), item.end());
    // A batch of that shape runs; a wrong one would throw a shape error.
    NoGradGuard no_grad;
    Tensor<float> x = Tensor<float>::from_shape(shape);
    x.fill(0.5f);
    const Variable<float> y = model->forward(Variable<float>(x));
    REQUIRE(y.data().shape() == Shape{2, 10});
  }
}

TEST_CASE("input_shape rejects specs it cannot read", "[models][spec]") {
  REQUIRE_THROWS_WITH(models::input_shape(json::array()), Catch::Contains("expected {\"kind\""));
  REQUIRE_THROWS_WITH(models::input_shape({{"kind", "resnet"}}), Catch::Contains("unknown kind 'resnet'"));
  REQUIRE_THROWS_WITH(models::input_shape({{"kind", "mlp"}, {"config", {{"sizes", json::array()}}}}),
                      Catch::Contains("'sizes' must start with the input width"));
  REQUIRE_THROWS_WITH(models::input_shape({{"kind", "simple_conv_net"}, {"config", {{"height", -3}}}}),
                      Catch::Contains("'height' must be a positive integer, got -3"));
}
