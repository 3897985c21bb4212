// RAII owners for the TensorRT and CUDA objects the addon holds, one small type per family.
#pragma once

#include <NvInfer.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <type_traits>

#include "status.h"

#if NV_TENSORRT_MAJOR < 8 || (NV_TENSORRT_MAJOR == 8 && NV_TENSORRT_MINOR < 5)
#error "leukodiff_trt needs TensorRT >= 8.5 (name-based tensor addressing: setTensorAddress/enqueueV3)"
#endif

namespace leukodiff {

// TensorRT objects (builder, network, parser, config, host memory, runtime, engine, context).
// destroy() was the only way to free them before 8.0, is deprecated throughout 8.x (a warning under
// -Werror) and is gone in 10; the virtual destructors are public from 8.0 on, so delete is correct
// for every version this addon supports.
struct TrtDeleter {
  template <typename T>
  void operator()(T* object) const noexcept {
    delete object;
  }
};
template <typename T>
using TrtPtr = std::unique_ptr<T, TrtDeleter>;

struct CudaStreamDeleter {
  void operator()(cudaStream_t stream) const noexcept { cudaStreamDestroy(stream); }
};
using CudaStream = std::unique_ptr<std::remove_pointer_t<cudaStream_t>, CudaStreamDeleter>;

inline Status CreateStream(CudaStream* out) {
  cudaStream_t stream = nullptr;
  LKD_CUDA(cudaStreamCreateWithFlags, &stream, cudaStreamNonBlocking);
  out->reset(stream);
  return Status::Ok();
}

struct DeviceFree {
  void operator()(void* p) const noexcept { cudaFree(p); }
};
struct PinnedFree {
  void operator()(void* p) const noexcept { cudaFreeHost(p); }
};

// A CUDA allocation and its size; Free decides device (cudaFree) or pinned host (cudaFreeHost) memory.
template <typename Free>
class CudaBuffer {
 public:
  CudaBuffer() = default;
  CudaBuffer(void* data, std::size_t bytes) : data_(data), bytes_(bytes) {}
  void* data() const { return data_.get(); }
  float* floats() const { return static_cast<float*>(data_.get()); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::unique_ptr<void, Free> data_;
  std::size_t bytes_ = 0;
};
using DeviceBuffer = CudaBuffer<DeviceFree>;
using PinnedBuffer = CudaBuffer<PinnedFree>;

inline Status AllocateDevice(std::size_t bytes, DeviceBuffer* out) {
  void* p = nullptr;
  LKD_CUDA(cudaMalloc, &p, bytes);
  *out = DeviceBuffer(p, bytes);
  return Status::Ok();
}

inline Status AllocatePinned(std::size_t bytes, PinnedBuffer* out) {
  void* p = nullptr;
  LKD_CUDA(cudaMallocHost, &p, bytes);
  *out = PinnedBuffer(p, bytes);
  return Status::Ok();
}

}  // namespace leukodiff
