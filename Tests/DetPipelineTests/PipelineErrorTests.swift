import DetPipeline
import Testing

private struct Plain: Error, CustomStringConvertible {
  var description: String { "plain failure" }
}

/// A library error is wrapped with its description and kept as the underlying error; a
/// pipeline error passes through unchanged (its code and location are not overwritten).
@Test func wrappingKeepsTheLibraryErrorAndItsText() throws {
  let wrapped = PipelineError.wrapping(Plain(), .batchFailed, at: "batch 2 (images 7, 9)")
  #expect(wrapped.code == .batchFailed)
  #expect(wrapped.description == "batch 2 (images 7, 9): plain failure")
  #expect(wrapped.underlying is Plain)

  let original = PipelineError(.missingPredictions, at: "p.safetensors", "no tensor 7/cls_logits")
  let again = PipelineError.wrapping(original, .badInput, at: "elsewhere")
  #expect(again.code == .missingPredictions)
  #expect(again.description == "p.safetensors: no tensor 7/cls_logits")
  #expect(PipelineError(.output, at: "", "cannot write").description == "cannot write")
}
