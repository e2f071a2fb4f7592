import XCTest
import RNNTrainCLI

/// The chart's legend and ring: an entry only for the curves drawn, text
/// boxes that do not overlap, the ring on the epoch the run kept, and SVG
/// paths only.
final class PlotLegendTests: XCTestCase {
    /// The text boxes of an SVG's `<text>` elements inside `group`: x, y of
    /// the baseline, width at 6.8 px a character (Helvetica's average at 12 px
    /// is about 6.1), height 12 px above the baseline.
    func textBoxes(_ svg: String, group: String) -> [(text: String, x0: Double, x1: Double, y0: Double, y1: Double)] {
        let parts = svg.components(separatedBy: "<g class=\"\(group)\">")
        guard parts.count > 1 else { return [] }
        let body = parts[1].components(separatedBy: "</g>")[0]
        return body.split(separator: "\n").filter { $0.hasPrefix("<text ") }.map { line in
            func attr(_ name: String) -> Double { Double(line.components(separatedBy: "\(name)=\"")[1].prefix { $0 != "\"" })! }
            let text = String(line.components(separatedBy: ">")[1].prefix { $0 != "<" })
            let x = attr("x"), y = attr("y")
            return (text, x, x + Double(text.count) * 6.8, y - 12, y)
        }
    }

    func testLegendTextsDoNotOverlapAndTestAppearsOnlyWithATestCurve() throws {
        let dir = temporaryDirectory()
        for (name, extra) in [("val", [String]()), ("test", ["--report-test"])] {
            let r = cli(["classify", "--epochs", "3", "--quiet", "--plot", dir + "/\(name).svg", "--run-name",
                         "classify bucketed with a long run name", "--bucketed", "--save-best", "--save", dir + "/m.safetensors"] + extra)
            XCTAssertEqual(r.status, 0, r.err)
            let svg = try String(contentsOfFile: dir + "/\(name).svg", encoding: .utf8)
            let boxes = textBoxes(svg, group: "legend")
            XCTAssertEqual(boxes.contains { $0.text.hasSuffix(" test") }, name == "test", boxes.map(\.text).joined(separator: " | "))
            XCTAssertTrue(boxes.contains { $0.text.hasSuffix(" validation") })
            for i in boxes.indices {
                for j in boxes.indices where j > i {
                    let (a, b) = (boxes[i], boxes[j])
                    let apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0
                    XCTAssertTrue(apart, "'\(a.text)' overlaps '\(b.text)' in \(name).svg")
                }
            }
            // The chart is 1,040 px wide: every legend text ends inside it.
            XCTAssertLessThanOrEqual(boxes.map(\.x1).max() ?? 0, 1040)
        }
    }

    func testTheRingMarksTheEpochWhoseModelWasKept() throws {
        let dir = temporaryDirectory()
        // Without selection the last epoch's model is kept, whatever the validation loss did.
        let r = cli(["classify", "--epochs", "4", "--lr", "3e-2", "--quiet", "--plot", dir + "/c.svg", "--metrics", dir + "/m.jsonl"])
        XCTAssertEqual(r.status, 0, r.err)
        let svg = try String(contentsOfFile: dir + "/c.svg", encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "class=\"selected\" data-epoch=\"4\"").count - 1, 2)
        // rnntrain plot reads the kept epoch from the final record.
        let p = cli(["plot", dir + "/m.jsonl", "--out", dir + "/p.svg"])
        XCTAssertEqual(p.status, 0, p.err)
        let again = try String(contentsOfFile: dir + "/p.svg", encoding: .utf8)
        XCTAssertEqual(again.components(separatedBy: "class=\"selected\" data-epoch=\"4\"").count - 1, 2)
    }

    func testChartPathsMustEndInSVG() {
        let dir = temporaryDirectory()
        for args in [["classify", "--plot", dir + "/c.png"], ["plot", repoRoot + "/data/sample.csv", "--out", dir + "/c.png"]] {
            let r = cli(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertTrue(r.err.contains("c.png: charts are written as SVG; give a name ending in .svg"), r.err)
            XCTAssertFalse(fileExists(dir + "/c.png"))
        }
    }
}
