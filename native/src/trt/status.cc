#include "status.h"

#include <utility>

#include "logger.h"

namespace leukodiff {

Status Status::Error(std::string call, std::string code, const std::string& detail, int number) {
  Status s;
  s.ok = false;
  s.message = call + " failed: " + code;
  if (number != 0) s.message += " (" + std::to_string(number) + ")";
  if (!detail.empty()) s.message += ": " + detail;
  s.call = std::move(call);
  s.code = std::move(code);
  s.number = number;
  return s;
}

Status CudaStatus(cudaError_t err, const char* call) {
  if (err == cudaSuccess) return Status::Ok();
  // Clears a non-sticky error so that it is not reported again by the next, unrelated call.
  cudaGetLastError();
  return Status::Error(call, cudaGetErrorName(err), cudaGetErrorString(err), static_cast<int>(err));
}

Status TrtStatus(const char* call, const std::string& fallback) {
  std::string detail = TrtLogger::TakeLastError();
  return Status::Error(call, "ERR_TENSORRT", detail.empty() ? fallback : detail);
}

Status ContractStatus(const std::string& detail) {
  return Status::Error("detector contract check", "ERR_CONTRACT", detail);
}

Status ArgumentStatus(const char* call, const std::string& detail) {
  return Status::Error(call, "ERR_INVALID_ARG", detail);
}

Status IoStatus(const char* call, const std::string& detail) { return Status::Error(call, "ERR_IO", detail); }

}  // namespace leukodiff
