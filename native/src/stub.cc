// Built when TensorRT or CUDA was not found at install time: the addon loads and says why it can't run.
#include <napi.h>

#ifndef LEUKODIFF_TRT_REASON
#define LEUKODIFF_TRT_REASON "built without TensorRT"
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("available", Napi::Boolean::New(env, false));
  exports.Set("reason", Napi::String::New(env, "addon built without TensorRT: " LEUKODIFF_TRT_REASON));
  return exports;
}

}  // namespace

NODE_API_MODULE(leukodiff_trt, Init)
