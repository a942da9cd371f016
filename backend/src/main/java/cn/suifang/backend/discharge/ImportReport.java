package cn.suifang.backend.discharge;

import java.util.List;

/** What an import did, row by row. Row numbers are 1-based positions (JSON) or file line numbers (CSV). */
public record ImportReport(long jobId, String status, int total, int processed, int created, int updated,
                           int unchanged, int failed, List<RowError> errors) {

    public record RowError(int row, String encounterId, String field, String message) {
    }
}
