from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_case_stage_alter_case_status_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["town", "status", "stage"], name="case_town_status_stage_idx"),
        ),
    ]
