package cn.suifang.backend.note;

/** How a follow-up contact ended, as the caller records it. */
public enum NoteOutcome {
    /** Reached the patient (or family) and did the follow-up. */
    COMPLETED,
    /** Could not reach anyone; the task is retried until the attempt limit. */
    UNREACHABLE,
    /** Reached, but the patient declined follow-up. */
    REFUSED,
    /** Reached, and the patient has been readmitted: the follow-up is complete, the event recorded. */
    READMITTED
}
