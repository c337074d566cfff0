CREATE TABLE "sandbox_organization_clocks" (
	"organization_id" text PRIMARY KEY NOT NULL,
	"offset_ms" bigint NOT NULL
);
