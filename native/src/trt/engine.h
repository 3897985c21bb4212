// TensorRT engine building and execution for models of the detector contract (ARCHITECTURE.md):
// input `images` float32 [1,3,H,W]; outputs `boxes` float32 [1,N,4] and `scores` float32 [1,N,5].
// No N-API here: these functions run on worker threads.
#pragma once

#include <NvInfer.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "resources.h"
#include "status.h"

namespace leukodiff {

struct DeviceInfo {
  std::string name;  // e.g. "Orin (sm_87, 8 SMs)"
  int major = 0;
  int minor = 0;
  bool fastFp16 = false;
};

Status QueryDevice(DeviceInfo* out);
std::string RuntimeVersion();   // of the loaded libnvinfer, e.g. "10.3.0"
std::string CompiledVersion();  // of the headers this addon was compiled against
// Whether the builder can be asked for FP16 (BuilderFlag::kFP16 is removed in TensorRT 11, where
// networks are strongly typed and the precision comes from the ONNX model itself).
bool BuilderHasFp16Flag();

struct BuildOptions {
  bool fp16 = true;
  std::size_t workspaceBytes = 0;  // 0: TensorRT's default (the device's memory)
  // The expected input size; required when the model's input has dynamic dimensions.
  int64_t height = 0;
  int64_t width = 0;
};

struct BuildResult {
  TrtPtr<nvinfer1::IHostMemory> plan;
  std::string precision;  // "fp16" or "fp32": what the builder was allowed to use
};

Status BuildSerializedEngine(const std::string& onnxPath, const BuildOptions& options, BuildResult* out);

// One deserialised engine with its execution context, CUDA stream and I/O buffers. Not thread-safe:
// the caller runs one Infer at a time (the addon queues calls per engine).
class Engine {
 public:
  static Status Load(const std::string& enginePath, std::unique_ptr<Engine>* out);

  // Copies input into pinned memory, runs the engine on its stream and waits for the outputs,
  // which stay readable through boxes()/scores() until the next Infer.
  Status Infer(const float* input, std::size_t length);

  const float* boxes() const { return hostBoxes_.floats(); }
  const float* scores() const { return hostScores_.floats(); }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  int64_t count() const { return count_; }
  std::size_t inputLength() const { return static_cast<std::size_t>(3 * height_ * width_); }
  std::size_t boxesLength() const { return static_cast<std::size_t>(4 * count_); }
  std::size_t scoresLength() const { return static_cast<std::size_t>(5 * count_); }

 private:
  Engine() = default;
  Status Enqueue(const float* input, std::size_t length);

  // Declared first so that they are freed last, after the context that points at them.
  CudaStream stream_;
  DeviceBuffer deviceInput_, deviceBoxes_, deviceScores_;
  PinnedBuffer hostInput_, hostBoxes_, hostScores_;
  // Destroyed in reverse order: context, engine, runtime.
  TrtPtr<nvinfer1::IRuntime> runtime_;
  TrtPtr<nvinfer1::ICudaEngine> engine_;
  TrtPtr<nvinfer1::IExecutionContext> context_;
  int64_t height_ = 0;
  int64_t width_ = 0;
  int64_t count_ = 0;
};

}  // namespace leukodiff
