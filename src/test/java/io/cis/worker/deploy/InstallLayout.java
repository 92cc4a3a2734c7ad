package io.cis.worker.deploy;

/** Where scripts/install.sh puts things on a host; the unit, the Dockerfile and the tests agree on these. */
final class InstallLayout {

    static final String JAR = "/opt/cis-worker/cis-worker.jar";
    static final String ENV_FILE = "/etc/cis-worker/cis-worker.env";
    static final String UNIT = "/etc/systemd/system/cis-worker.service";
    static final String BACKFILL_UNIT = "/etc/systemd/system/cis-worker-backfill@.service";
    static final String STATE_DIR = "/var/lib/cis-worker";
    static final String MODEL = "/var/lib/cis-worker/model/model.pt";

    private InstallLayout() {
    }
}
