// Status: the outcome of a CUDA or TensorRT call, carried back to JavaScript as an Error naming the call.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace leukodiff {

struct Status {
  bool ok = true;
  std::string call;     // the failing call, e.g. "cudaMalloc", "IBuilder::buildSerializedNetwork"
  std::string code;     // CUDA error name, or ERR_TENSORRT / ERR_CONTRACT / ERR_INVALID_ARG / ERR_IO
  int number = 0;       // the cudaError_t value for CUDA failures
  std::string message;  // one readable sentence: "<call> failed: <code> (<number>): <detail>"

  static Status Ok() { return Status{}; }
  static Status Error(std::string call, std::string code, const std::string& detail, int number = 0);
};

Status CudaStatus(cudaError_t err, const char* call);
// TensorRT signals failure with null/false and explains it through the logger: the detail is the last
// error TensorRT logged on this thread, or `fallback` when it logged none.
Status TrtStatus(const char* call, const std::string& fallback);
Status ContractStatus(const std::string& detail);
Status ArgumentStatus(const char* call, const std::string& detail);
Status IoStatus(const char* call, const std::string& detail);

}  // namespace leukodiff

#define LKD_RETURN_IF_ERROR(expr)             \
  do {                                        \
    ::leukodiff::Status lkd_status_ = (expr); \
    if (!lkd_status_.ok) return lkd_status_;  \
  } while (0)

// LKD_CUDA(cudaMalloc, &ptr, bytes): runs the call and returns a Status naming it on failure.
#define LKD_CUDA(fn, ...) LKD_RETURN_IF_ERROR(::leukodiff::CudaStatus(fn(__VA_ARGS__), #fn))
