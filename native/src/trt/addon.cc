// N-API surface of the TensorRT addon: TrtEngine.build/load, engine.infer/release, setLogger.
// Long work (build, load, infer) runs on libuv's thread pool through AsyncWorker and settles a promise;
// each engine runs one inference at a time, the others wait in its queue on the main thread.
#include <napi.h>

#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "engine.h"
#include "logger.h"
#include "status.h"

namespace leukodiff {
namespace {

struct AddonData {
  Napi::FunctionReference engineClass;
};

Napi::Value MakeError(Napi::Env env, const Status& status) {
  Napi::Error error = Napi::Error::New(env, status.message);
  Napi::Object object = error.Value();
  object.Set("call", status.call);
  object.Set("code", status.code);
  if (status.number != 0) object.Set("cudaError", status.number);
  return object;
}

Napi::Value Rejected(Napi::Env env, const Status& status) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(MakeError(env, status));
  return deferred.Promise();
}

// Rejects with the exception a failed N-API call left pending, if any.
bool RejectIfPending(Napi::Env env, Napi::Promise::Deferred& deferred) {
  if (!env.IsExceptionPending()) return false;
  deferred.Reject(env.GetAndClearPendingException().Value());
  return true;
}

class EngineQueue;

class InferJob final : public Napi::AsyncWorker {
 public:
  InferJob(Napi::Env env, std::shared_ptr<EngineQueue> queue, Napi::Float32Array input)
      : Napi::AsyncWorker(env, "leukodiff:trt-infer"),
        deferred_(Napi::Promise::Deferred::New(env)),
        queue_(std::move(queue)),
        input_(Napi::Persistent(input)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }
  // Main thread, when the job reaches the head of its engine's queue. False: rejected, not queued.
  bool Start();

 protected:
  void Execute() override;
  void OnOK() override;

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<EngineQueue> queue_;
  // Keeps the caller's array alive while the worker copies from it, as fs.write does with a Buffer.
  Napi::Reference<Napi::Float32Array> input_;
  const float* data_ = nullptr;
  std::size_t length_ = 0;
  Status status_;
};

// Owns one Engine. The queue is touched on the main thread only; the engine by the one running job.
class EngineQueue {
 public:
  explicit EngineQueue(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
  Engine& engine() { return *engine_; }

  void Push(InferJob* job) {
    waiting_.push_back(job);
    if (!running_) StartNext();
  }
  void Done() {
    running_ = false;
    StartNext();
  }

 private:
  void StartNext() {
    while (!waiting_.empty()) {
      InferJob* job = waiting_.front();
      waiting_.pop_front();
      if (job->Start()) {
        running_ = true;
        return;
      }
    }
  }

  std::unique_ptr<Engine> engine_;
  std::deque<InferJob*> waiting_;
  bool running_ = false;
};

bool InferJob::Start() {
  Napi::Float32Array input = input_.Value();
  data_ = input.Data();
  length_ = input.ElementLength();
  if (data_ == nullptr || length_ != queue_->engine().inputLength()) {
    deferred_.Reject(MakeError(Env(), ArgumentStatus("TrtEngine.infer", "the input array was detached or resized")));
    delete this;  // never queued, so not deleted by node-addon-api
    return false;
  }
  Queue();
  return true;
}

void InferJob::Execute() { status_ = queue_->engine().Infer(data_, length_); }

void InferJob::OnOK() {
  Napi::Env env = Env();
  input_.Reset();
  if (!status_.ok) {
    deferred_.Reject(MakeError(env, status_));
  } else {
    // Copied now, before the next job of this engine overwrites the pinned output buffers.
    Engine& engine = queue_->engine();
    auto boxes = Napi::Float32Array::New(env, engine.boxesLength());
    auto scores = Napi::Float32Array::New(env, engine.scoresLength());
    if (!RejectIfPending(env, deferred_)) {
      std::memcpy(boxes.Data(), engine.boxes(), engine.boxesLength() * sizeof(float));
      std::memcpy(scores.Data(), engine.scores(), engine.scoresLength() * sizeof(float));
      Napi::Object result = Napi::Object::New(env);
      result.Set("boxes", boxes);
      result.Set("scores", scores);
      deferred_.Resolve(result);
    }
  }
  queue_->Done();
}

class BuildJob final : public Napi::AsyncWorker {
 public:
  BuildJob(Napi::Env env, std::string onnxPath, BuildOptions options)
      : Napi::AsyncWorker(env, "leukodiff:trt-build"),
        deferred_(Napi::Promise::Deferred::New(env)),
        onnxPath_(std::move(onnxPath)),
        options_(options) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { status_ = BuildSerializedEngine(onnxPath_, options_, &result_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (!status_.ok) {
      deferred_.Reject(MakeError(env, status_));
      return;
    }
    auto plan =
        Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(result_.plan->data()), result_.plan->size());
    result_.plan.reset();
    if (RejectIfPending(env, deferred_)) return;
    Napi::Object out = Napi::Object::New(env);
    out.Set("engine", plan);
    out.Set("precision", result_.precision);
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string onnxPath_;
  BuildOptions options_;
  BuildResult result_;
  Status status_;
};

class EngineWrap;

class LoadJob final : public Napi::AsyncWorker {
 public:
  LoadJob(Napi::Env env, std::string enginePath)
      : Napi::AsyncWorker(env, "leukodiff:trt-load"),
        deferred_(Napi::Promise::Deferred::New(env)),
        enginePath_(std::move(enginePath)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { status_ = Engine::Load(enginePath_, &engine_); }
  void OnOK() override;

 private:
  Napi::Promise::Deferred deferred_;
  std::string enginePath_;
  std::unique_ptr<Engine> engine_;
  Status status_;
};

// Passed to the constructor by LoadJob only: `new TrtEngine()` from JavaScript is refused.
int constructToken = 0;

class EngineWrap final : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function DefineClass(Napi::Env env) {
    return ObjectWrap::DefineClass(env, "TrtEngine",
                                   {
                                       StaticMethod<&EngineWrap::Build>("build"),
                                       StaticMethod<&EngineWrap::Load>("load"),
                                       InstanceMethod<&EngineWrap::Infer>("infer"),
                                       InstanceMethod<&EngineWrap::Release>("release"),
                                       InstanceAccessor<&EngineWrap::InputShape>("inputShape"),
                                       InstanceAccessor<&EngineWrap::Count>("count"),
                                       InstanceAccessor<&EngineWrap::Released>("released"),
                                   });
  }

  explicit EngineWrap(const Napi::CallbackInfo& info) : ObjectWrap(info) {
    if (info.Length() != 1 || !info[0].IsExternal() || info[0].As<Napi::External<int>>().Data() != &constructToken) {
      Napi::TypeError::New(info.Env(), "use TrtEngine.load(enginePath) to create an engine")
          .ThrowAsJavaScriptException();
    }
  }

  void Adopt(std::unique_ptr<Engine> engine) {
    height_ = engine->height();
    width_ = engine->width();
    count_ = engine->count();
    queue_ = std::make_shared<EngineQueue>(std::move(engine));
  }

 private:
  // build(onnxPath, {fp16?, workspaceBytes?, inputSize?: [H, W]}) -> Promise<{engine: Buffer, precision}>
  static Napi::Value Build(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      return Rejected(env, ArgumentStatus("TrtEngine.build", "onnxPath must be a string"));
    }
    BuildOptions options;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsObject()) return Rejected(env, ArgumentStatus("TrtEngine.build", "options must be an object"));
      Napi::Object o = info[1].As<Napi::Object>();
      Napi::Value fp16 = o.Get("fp16");
      if (!fp16.IsUndefined()) {
        if (!fp16.IsBoolean()) return Rejected(env, ArgumentStatus("TrtEngine.build", "fp16 must be a boolean"));
        options.fp16 = fp16.As<Napi::Boolean>().Value();
      }
      Napi::Value workspace = o.Get("workspaceBytes");
      if (!workspace.IsUndefined()) {
        const double bytes = workspace.IsNumber() ? workspace.As<Napi::Number>().DoubleValue() : -1;
        if (!(bytes >= 0)) {
          return Rejected(env, ArgumentStatus("TrtEngine.build", "workspaceBytes must be a number >= 0"));
        }
        options.workspaceBytes = static_cast<std::size_t>(bytes);
      }
      Napi::Value size = o.Get("inputSize");
      if (!size.IsUndefined()) {
        Napi::Array hw = size.IsArray() ? size.As<Napi::Array>() : Napi::Array::New(env);
        const bool valid = hw.Length() == 2 && hw.Get(0u).IsNumber() && hw.Get(1u).IsNumber() &&
                           hw.Get(0u).As<Napi::Number>().Int64Value() > 0 &&
                           hw.Get(1u).As<Napi::Number>().Int64Value() > 0;
        if (!valid) return Rejected(env, ArgumentStatus("TrtEngine.build", "inputSize must be [H, W]"));
        options.height = hw.Get(0u).As<Napi::Number>().Int64Value();
        options.width = hw.Get(1u).As<Napi::Number>().Int64Value();
      }
    }
    auto* job = new BuildJob(env, info[0].As<Napi::String>().Utf8Value(), options);
    Napi::Promise promise = job->Promise();
    job->Queue();
    return promise;
  }

  // load(enginePath) -> Promise<TrtEngine>
  static Napi::Value Load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      return Rejected(env, ArgumentStatus("TrtEngine.load", "enginePath must be a string"));
    }
    auto* job = new LoadJob(env, info[0].As<Napi::String>().Utf8Value());
    Napi::Promise promise = job->Promise();
    job->Queue();
    return promise;
  }

  // infer(Float32Array [1,3,H,W]) -> Promise<{boxes: Float32Array, scores: Float32Array}>
  Napi::Value Infer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!queue_) return Rejected(env, ArgumentStatus("TrtEngine.infer", "the engine was released"));
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      return Rejected(env, ArgumentStatus("TrtEngine.infer", "input must be a Float32Array"));
    }
    Napi::Float32Array input = info[0].As<Napi::Float32Array>();
    const std::size_t expected = queue_->engine().inputLength();
    if (input.ElementLength() != expected) {
      return Rejected(env,
                      ArgumentStatus("TrtEngine.infer", "expected " + std::to_string(expected) + " values (1x3x" +
                                                            std::to_string(height_) + "x" + std::to_string(width_) +
                                                            "), got " + std::to_string(input.ElementLength())));
    }
    auto* job = new InferJob(env, queue_, input);
    Napi::Promise promise = job->Promise();
    queue_->Push(job);
    return promise;
  }

  // Frees the engine once the inferences already queued have finished; later calls are rejected.
  Napi::Value Release(const Napi::CallbackInfo& info) {
    queue_.reset();
    return info.Env().Undefined();
  }

  Napi::Value InputShape(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array shape = Napi::Array::New(env, 4);
    const int64_t dims[] = {1, 3, height_, width_};
    for (uint32_t i = 0; i < 4; ++i) shape.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
    return shape;
  }

  Napi::Value Count(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(count_));
  }

  Napi::Value Released(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !queue_); }

  std::shared_ptr<EngineQueue> queue_;
  int64_t height_ = 0;
  int64_t width_ = 0;
  int64_t count_ = 0;
};

void LoadJob::OnOK() {
  Napi::Env env = Env();
  if (!status_.ok) {
    deferred_.Reject(MakeError(env, status_));
    return;
  }
  Napi::Object object =
      env.GetInstanceData<AddonData>()->engineClass.New({Napi::External<int>::New(env, &constructToken)});
  if (RejectIfPending(env, deferred_)) return;
  EngineWrap::Unwrap(object)->Adopt(std::move(engine_));
  deferred_.Resolve(object);
}

// setLogger(fn: (level, message) => void, minLevel = 'warn'); setLogger(null) stops forwarding.
Napi::Value SetLogger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined()) {
    TrtLogger::Instance().ClearSink();
    return env.Undefined();
  }
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "setLogger: expected a function or null").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  nvinfer1::ILogger::Severity severity = nvinfer1::ILogger::Severity::kWARNING;
  if (info.Length() > 1 && !info[1].IsUndefined() &&
      (!info[1].IsString() || !ParseLevel(info[1].As<Napi::String>().Utf8Value(), &severity))) {
    Napi::TypeError::New(env, "setLogger: minLevel must be 'error', 'warn', 'info' or 'debug'")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  TrtLogger::Instance().SetSink(env, info[0].As<Napi::Function>(), severity);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  Napi::Function engineClass = EngineWrap::DefineClass(env);
  data->engineClass = Napi::Persistent(engineClass);

  const std::string runtime = RuntimeVersion();
  const std::string compiled = CompiledVersion();
  DeviceInfo device;
  Status status = QueryDevice(&device);
  std::string reason;
  if (runtime.substr(0, runtime.find('.')) != compiled.substr(0, compiled.find('.'))) {
    status = Status::Error("getInferLibVersion", "ERR_TENSORRT", "");
    reason = "TensorRT " + runtime + " is loaded but the addon was compiled against " + compiled + ": rebuild it";
  } else if (!status.ok) {
    reason = "no usable CUDA device: " + status.message;
  } else {
    reason = "TensorRT " + runtime + " on " + device.name;
  }

  exports.Set("available", Napi::Boolean::New(env, status.ok));
  exports.Set("reason", reason);
  exports.Set("version", runtime);
  exports.Set("compiledVersion", compiled);
  if (status.ok) {
    exports.Set("gpu", device.name);
    exports.Set("fastFp16", Napi::Boolean::New(env, device.fastFp16));
  }
  exports.Set("fp16Flag", Napi::Boolean::New(env, BuilderHasFp16Flag()));
  exports.Set("setLogger", Napi::Function::New(env, SetLogger, "setLogger"));
  exports.Set("TrtEngine", engineClass);
  return exports;
}

}  // namespace
}  // namespace leukodiff

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return leukodiff::Init(env, exports); }

NODE_API_MODULE(leukodiff_trt, InitModule)
